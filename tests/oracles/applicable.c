/* The applicability oracle: Windows Installer's own decision, as Wine's msi.dll makes it.
 *
 *   applicable.exe PRODUCT.msi PATCH.msp [PATCH.msp ...]
 *
 * calls MsiDetermineApplicablePatchesW on the product package with the patches as patch files
 * and prints the call's result, then one line per patch: its path, the status the call gave it
 * (0 applicable, 1642 ERROR_PATCH_TARGET_NOT_FOUND, ...) and the order it would be applied in
 * (-1 when it is not applied). Built by tests/applicability.rs with Debian's mingw-w64:
 *   x86_64-w64-mingw32-gcc -municode -O2 -o applicable.exe applicable.c -lmsi
 */
#include <windows.h>
#include <msi.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, WCHAR **argv)
{
    int i, n;
    UINT r;
    MSIPATCHSEQUENCEINFOW *info;

    if (argc < 3) {
        fwprintf(stderr, L"usage: applicable.exe PRODUCT.msi PATCH.msp...\n");
        return 2;
    }
    n = argc - 2;
    info = calloc(n, sizeof(*info));
    if (!info) return 2;
    for (i = 0; i < n; i++) {
        info[i].szPatchData = argv[i + 2];
        info[i].ePatchDataType = MSIPATCH_DATATYPE_PATCHFILE;
        info[i].dwOrder = (DWORD)-1;
        info[i].uStatus = 0;
    }
    r = MsiDetermineApplicablePatchesW(argv[1], n, info);
    wprintf(L"result\t%u\n", r);
    for (i = 0; i < n; i++)
        wprintf(L"patch\t%ls\t%u\t%d\n", argv[i + 2], info[i].uStatus, (int)info[i].dwOrder);
    free(info);
    return 0;
}
