/* holdmodule.exe DLL [SECONDS]: loads DLL (as Windows Installer's files-in-use check sees a
 * loaded module), prints "ready" and sleeps (120 s by default), so that a live snapshot finds a
 * process with that module. Used by tests/live_wine.rs; built there with x86_64-w64-mingw32-gcc. */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
    HMODULE module;
    DWORD seconds = 120;

    if (argc < 2) {
        fwprintf(stderr, L"usage: holdmodule.exe DLL [SECONDS]\n");
        return 2;
    }
    if (argc > 2)
        seconds = (DWORD)_wtoi(argv[2]);
    module = LoadLibraryW(argv[1]);
    if (module == NULL) /* imports that do not resolve: map it without them */
        module = LoadLibraryExW(argv[1], NULL, DONT_RESOLVE_DLL_REFERENCES);
    if (module == NULL) {
        fwprintf(stderr, L"cannot load %ls: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    printf("ready %lu\n", GetCurrentProcessId());
    fflush(stdout);
    Sleep(seconds * 1000);
    return 0;
}
