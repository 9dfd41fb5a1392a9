//! A small writer of Windows PE images (executables and DLLs) with a version resource, for the
//! look-alike payload files of the testdata (store.exe and friends). No external tool is run.
//!
//! The image is laid out after Microsoft's PE/COFF specification ("PE Format"): an MS-DOS header
//! whose last field points at the PE signature, a 16-bit stub that prints a line and quits when
//! run under DOS, the COFF file header (machine, section count, a fixed time stamp so the same
//! spec always gives the same bytes, characteristics), the optional header (PE32+ for x64, PE32
//! for i386; sections are 0x1000-aligned in memory and 0x200-aligned in the file), the section
//! table, then the sections:
//!
//! - `.text`: the entry point and nothing else. An executable's returns 0 (the process exits with
//!   code 0); a DLL's returns TRUE from DllMain (popping its three stack arguments on i386).
//! - `.rdata`: `spec.filler`, so that files can differ in size and content (left out when the
//!   filler is empty).
//! - `.rsrc`: a resource directory of three levels (type `RT_VERSION` = 16, name 1, language
//!   `spec.language`) leading to one data entry, whose data is a `VS_VERSIONINFO` block as
//!   Microsoft's "Version Information" reference describes it: a tree of nodes, each with its
//!   length, value length and type, a NUL-terminated UTF-16 key, then its value and children,
//!   each starting on a 32-bit boundary from the start of the block. The root's value is the
//!   `VS_FIXEDFILEINFO` (signature 0xFEEF04BD, file and product versions); its children are
//!   `StringFileInfo` (one table keyed by language and code page in hex, e.g. "040904B0", holding
//!   `spec.strings`) and `VarFileInfo` with a `Translation` naming the same pair.
//!
//! The optional header's CheckSum is filled in with the PE checksum (16-bit one's-complement-style
//! sum with carries folded back, plus the file length), so tools that verify it agree.
//!
//! There are no imports, exports or relocations: the code refers to no address, and Windows (and
//! Wine, where an x64 executable built here exits with code 0 and a DLL loads) starts an image
//! that imports nothing. The testdata itself never runs the files.

/// The processor an image is for, which also picks its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// AMD64: a PE32+ image.
    X64,
    /// x86: a PE32 image. (The Exchange 2007 look-alikes are all x64; the tests build both.)
    #[cfg_attr(not(test), allow(dead_code))]
    I386,
}

/// What to write.
pub struct PeSpec<'a> {
    pub machine: Machine,
    /// A DLL (IMAGE_FILE_DLL, Windows GUI subsystem, DllMain entry) rather than an executable
    /// (console subsystem).
    pub dll: bool,
    pub file_version: [u16; 4],
    pub product_version: [u16; 4],
    /// The resource's language and the first translation's, e.g. 1033.
    pub language: u16,
    /// The code page of the string table and translation, e.g. 1200 (UTF-16).
    pub codepage: u16,
    /// StringFileInfo entries, in order: CompanyName, FileDescription, FileVersion, ...
    pub strings: &'a [(&'a str, &'a str)],
    /// Extra bytes in `.rdata`.
    pub filler: &'a [u8],
}

const FILE_ALIGNMENT: u32 = 0x200;
const SECTION_ALIGNMENT: u32 = 0x1000;
/// COFF TimeDateStamp: 2007-11-18 09:04:00 UTC, the same for every file.
const TIME_DATE_STAMP: u32 = 0x4740_0000;
/// Where the PE signature starts (e_lfanew): after the 64-byte DOS header and the stub.
const PE_OFFSET: usize = 0x80;
const COFF_HEADER_LEN: usize = 20;
const SECTION_HEADER_LEN: usize = 40;
/// The CheckSum field's offset in the optional header (the same in PE32 and PE32+).
const CHECKSUM_OFFSET: usize = 64;

const IMAGE_FILE_RELOCS_STRIPPED: u16 = 0x0001;
const IMAGE_FILE_EXECUTABLE_IMAGE: u16 = 0x0002;
const IMAGE_FILE_LARGE_ADDRESS_AWARE: u16 = 0x0020;
const IMAGE_FILE_32BIT_MACHINE: u16 = 0x0100;
const IMAGE_FILE_DLL: u16 = 0x2000;

const SUBSYSTEM_WINDOWS_GUI: u16 = 2;
const SUBSYSTEM_WINDOWS_CUI: u16 = 3;
const DLLCHARACTERISTICS_NX_COMPAT: u16 = 0x0100;
const DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE: u16 = 0x8000;

const SCN_CODE: u32 = 0x0000_0020;
const SCN_INITIALIZED_DATA: u32 = 0x0000_0040;
const SCN_MEM_EXECUTE: u32 = 0x2000_0000;
const SCN_MEM_READ: u32 = 0x4000_0000;

const RT_VERSION: u32 = 16;
const VS_FIXEDFILEINFO_SIGNATURE: u32 = 0xFEEF_04BD;
const VS_FFI_STRUCVERSION: u32 = 0x0001_0000;
const VS_FFI_FILEFLAGSMASK: u32 = 0x0000_003F;
const VOS_NT_WINDOWS32: u32 = 0x0004_0004;
const VFT_APP: u32 = 1;
const VFT_DLL: u32 = 2;

/// Little-endian appends.
trait Put {
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn u64(&mut self, v: u64);
    /// Zero bytes up to the next multiple of `align`.
    fn pad(&mut self, align: usize);
}

impl Put for Vec<u8> {
    fn u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn pad(&mut self, align: usize) {
        self.resize(self.len().next_multiple_of(align), 0);
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("a PE image is smaller than 4 GiB")
}

/// One section: its name, contents and where it lands.
struct Section {
    name: &'static [u8],
    data: Vec<u8>,
    characteristics: u32,
    rva: u32,
    file_offset: u32,
}

impl Section {
    fn raw_size(&self) -> u32 {
        len32(self.data.len()).next_multiple_of(FILE_ALIGNMENT)
    }
    fn virtual_size(&self) -> u32 {
        len32(self.data.len())
    }
}

/// Writes the image `spec` describes. The same spec always gives the same bytes.
pub fn build_pe(spec: &PeSpec) -> Vec<u8> {
    let pe32_plus = spec.machine == Machine::X64;
    let optional_header_len: usize = if pe32_plus { 240 } else { 224 };

    let code: &[u8] = match (spec.machine, spec.dll) {
        // xor eax, eax ; ret
        (_, false) => &[0x31, 0xC0, 0xC3],
        // mov eax, 1 ; ret
        (Machine::X64, true) => &[0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3],
        // mov eax, 1 ; ret 12   (DllMain is stdcall with three arguments)
        (Machine::I386, true) => &[0xB8, 0x01, 0x00, 0x00, 0x00, 0xC2, 0x0C, 0x00],
    };
    let mut sections = vec![Section {
        name: b".text",
        data: code.to_vec(),
        characteristics: SCN_CODE | SCN_MEM_EXECUTE | SCN_MEM_READ,
        rva: 0,
        file_offset: 0,
    }];
    if !spec.filler.is_empty() {
        sections.push(Section {
            name: b".rdata",
            data: spec.filler.to_vec(),
            characteristics: SCN_INITIALIZED_DATA | SCN_MEM_READ,
            rva: 0,
            file_offset: 0,
        });
    }
    sections.push(Section {
        name: b".rsrc",
        data: Vec::new(),
        characteristics: SCN_INITIALIZED_DATA | SCN_MEM_READ,
        rva: 0,
        file_offset: 0,
    });

    let headers_len =
        PE_OFFSET + 4 + COFF_HEADER_LEN + optional_header_len + SECTION_HEADER_LEN * sections.len();
    let size_of_headers = len32(headers_len).next_multiple_of(FILE_ALIGNMENT);

    // Place the sections; .rsrc comes last, and its contents depend on its address.
    let mut rva = SECTION_ALIGNMENT;
    let mut offset = size_of_headers;
    let count = sections.len();
    for (i, s) in sections.iter_mut().enumerate() {
        s.rva = rva;
        s.file_offset = offset;
        if i + 1 == count {
            s.data = resource_section(spec, rva);
        }
        rva += s.virtual_size().max(1).next_multiple_of(SECTION_ALIGNMENT);
        offset += s.raw_size();
    }
    let size_of_image = rva;
    let rsrc = &sections[count - 1];
    let code_size = sections[0].raw_size();
    let data_size: u32 = sections[1..].iter().map(Section::raw_size).sum();

    let mut out = dos_header_and_stub();
    debug_assert_eq!(out.len(), PE_OFFSET);
    out.extend_from_slice(b"PE\0\0");

    // COFF file header.
    let mut characteristics = IMAGE_FILE_EXECUTABLE_IMAGE;
    characteristics |= match spec.machine {
        Machine::X64 => IMAGE_FILE_LARGE_ADDRESS_AWARE,
        Machine::I386 => IMAGE_FILE_32BIT_MACHINE,
    };
    characteristics |= if spec.dll {
        IMAGE_FILE_DLL
    } else {
        IMAGE_FILE_RELOCS_STRIPPED
    };
    out.u16(match spec.machine {
        Machine::X64 => 0x8664,
        Machine::I386 => 0x014C,
    });
    out.u16(u16::try_from(count).expect("three sections at most"));
    out.u32(TIME_DATE_STAMP);
    out.u32(0); // PointerToSymbolTable
    out.u32(0); // NumberOfSymbols
    out.u16(u16::try_from(optional_header_len).expect("fixed size"));
    out.u16(characteristics);

    // Optional header.
    let optional_start = out.len();
    out.u16(if pe32_plus { 0x20B } else { 0x10B });
    out.extend_from_slice(&[8, 0]); // linker 8.0, the Visual Studio 2005 one
    out.u32(code_size);
    out.u32(data_size);
    out.u32(0); // SizeOfUninitializedData
    out.u32(sections[0].rva); // AddressOfEntryPoint: the first byte of .text
    out.u32(sections[0].rva); // BaseOfCode
    let image_base: u64 = match (spec.machine, spec.dll) {
        (Machine::X64, false) => 0x1_4000_0000,
        (Machine::X64, true) => 0x1_8000_0000,
        (Machine::I386, false) => 0x40_0000,
        (Machine::I386, true) => 0x1000_0000,
    };
    if pe32_plus {
        out.u64(image_base);
    } else {
        out.u32(sections[1].rva); // BaseOfData
        out.u32(u32::try_from(image_base).expect("a 32-bit image base"));
    }
    out.u32(SECTION_ALIGNMENT);
    out.u32(FILE_ALIGNMENT);
    for v in [5u16, 2, 0, 0, 5, 2] {
        // operating system 5.2, image 0.0, subsystem 5.2
        out.u16(v);
    }
    out.u32(0); // Win32VersionValue
    out.u32(size_of_image);
    out.u32(size_of_headers);
    debug_assert_eq!(out.len() - optional_start, CHECKSUM_OFFSET);
    out.u32(0); // CheckSum, filled in at the end
    out.u16(if spec.dll {
        SUBSYSTEM_WINDOWS_GUI
    } else {
        SUBSYSTEM_WINDOWS_CUI
    });
    out.u16(if spec.dll {
        DLLCHARACTERISTICS_NX_COMPAT
    } else {
        DLLCHARACTERISTICS_NX_COMPAT | DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE
    });
    for v in [0x10_0000u32, 0x1000, 0x10_0000, 0x1000] {
        // stack reserve and commit, heap reserve and commit
        if pe32_plus {
            out.u64(u64::from(v));
        } else {
            out.u32(v);
        }
    }
    out.u32(0); // LoaderFlags
    out.u32(16); // NumberOfRvaAndSizes
    for i in 0..16 {
        let (va, size) = if i == 2 {
            (rsrc.rva, rsrc.virtual_size())
        } else {
            (0, 0)
        };
        out.u32(va);
        out.u32(size);
    }
    debug_assert_eq!(out.len() - optional_start, optional_header_len);

    // Section table.
    for s in &sections {
        let mut name = [0u8; 8];
        name[..s.name.len()].copy_from_slice(s.name);
        out.extend_from_slice(&name);
        out.u32(s.virtual_size());
        out.u32(s.rva);
        out.u32(s.raw_size());
        out.u32(s.file_offset);
        out.u32(0); // PointerToRelocations
        out.u32(0); // PointerToLinenumbers
        out.u16(0); // NumberOfRelocations
        out.u16(0); // NumberOfLinenumbers
        out.u32(s.characteristics);
    }
    out.resize(size_of_headers as usize, 0);

    for s in &sections {
        debug_assert_eq!(out.len(), s.file_offset as usize);
        out.extend_from_slice(&s.data);
        out.pad(FILE_ALIGNMENT as usize);
    }

    let at = PE_OFFSET + 4 + COFF_HEADER_LEN + CHECKSUM_OFFSET;
    let sum = checksum(&out);
    out[at..at + 4].copy_from_slice(&sum.to_le_bytes());
    out
}

/// The 64-byte MS-DOS header and a 64-byte real-mode program that prints a line and exits.
fn dos_header_and_stub() -> Vec<u8> {
    let mut out = Vec::with_capacity(PE_OFFSET);
    out.extend_from_slice(b"MZ");
    out.u16(PE_OFFSET as u16); // bytes in the last 512-byte page: the DOS program is 0x80 bytes
    out.u16(1); // pages
    out.u16(0); // relocations
    out.u16(4); // header size in 16-byte paragraphs
    out.u16(0); // minimum extra paragraphs
    out.u16(0xFFFF); // maximum extra paragraphs
    out.u16(0); // initial SS
    out.u16(0xB8); // initial SP
    out.u16(0); // checksum
    out.u16(0); // initial IP
    out.u16(0); // initial CS
    out.u16(0x40); // relocation table offset
    out.u16(0); // overlay
    out.resize(0x3C, 0); // reserved words, OEM id and info
    out.u32(PE_OFFSET as u32); // e_lfanew
    let message = b"This file is a Windows program.\r\n$";
    // push cs ; pop ds ; mov dx, message ; mov ah, 9 ; int 21h ; mov ax, 4C01h ; int 21h
    let code: [u8; 14] = [
        0x0E, 0x1F, 0xBA, 0x0E, 0x00, 0xB4, 0x09, 0xCD, 0x21, 0xB8, 0x01, 0x4C, 0xCD, 0x21,
    ];
    out.extend_from_slice(&code);
    out.extend_from_slice(message);
    out.resize(PE_OFFSET, 0);
    out
}

/// The PE checksum: the file as 16-bit little-endian words (the CheckSum field counted as zero)
/// added up with each carry out of 16 bits added back in, then the file length added.
fn checksum(image: &[u8]) -> u32 {
    let skip = PE_OFFSET + 4 + COFF_HEADER_LEN + CHECKSUM_OFFSET;
    let mut sum: u32 = 0;
    for (i, pair) in image.chunks(2).enumerate() {
        let at = 2 * i;
        if at == skip || at == skip + 2 {
            continue;
        }
        let word = u16::from_le_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
        sum += u32::from(word);
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum.wrapping_add(len32(image.len()))
}

/// The contents of `.rsrc`, to be placed at `rva`: the directory tree, one data entry, and the
/// VS_VERSIONINFO block.
fn resource_section(spec: &PeSpec, rva: u32) -> Vec<u8> {
    const SUBDIRECTORY: u32 = 0x8000_0000;
    // Each directory: 16-byte header with one id entry, then the 8-byte entry.
    fn directory(out: &mut Vec<u8>, id: u32, target: u32) {
        out.u32(0); // Characteristics
        out.u32(0); // TimeDateStamp
        out.u16(0); // MajorVersion
        out.u16(0); // MinorVersion
        out.u16(0); // NumberOfNamedEntries
        out.u16(1); // NumberOfIdEntries
        out.u32(id);
        out.u32(target);
    }
    let block = version_info(spec);
    let mut out = Vec::new();
    directory(&mut out, RT_VERSION, SUBDIRECTORY | 0x18);
    directory(&mut out, 1, SUBDIRECTORY | 0x30);
    directory(&mut out, u32::from(spec.language), 0x48);
    debug_assert_eq!(out.len(), 0x48);
    // The data entry: the data's address is an RVA, not an offset in the section.
    let data_at = 0x58;
    out.u32(rva + data_at);
    out.u32(len32(block.len()));
    out.u32(0); // CodePage
    out.u32(0); // Reserved
    out.resize(data_at as usize, 0);
    out.extend_from_slice(&block);
    out
}

/// How a node's value is counted in wValueLength, and its wType.
#[derive(Clone, Copy)]
enum Value<'a> {
    /// No value (wValueLength 0), wType 1: StringFileInfo, a string table, VarFileInfo.
    None,
    /// Binary, counted in bytes, wType 0: VS_FIXEDFILEINFO, a Var.
    Bytes(&'a [u8]),
    /// Text, counted in UTF-16 units with the terminating NUL, wType 1: a String.
    Text(&'a str),
}

/// Appends one VS_VERSIONINFO node at the (32-bit aligned) end of `out`, with the children that
/// `children` appends. wLength covers the node up to the end of its last child, without padding.
fn node(out: &mut Vec<u8>, key: &str, value: Value, children: impl FnOnce(&mut Vec<u8>)) {
    out.pad(4);
    let start = out.len();
    let (value_bytes, value_length, kind): (Vec<u8>, usize, u16) = match value {
        Value::None => (Vec::new(), 0, 1),
        Value::Bytes(b) => (b.to_vec(), b.len(), 0),
        Value::Text(s) => {
            let bytes = utf16z(s);
            let units = bytes.len() / 2;
            (bytes, units, 1)
        }
    };
    out.u16(0); // wLength, below
    out.u16(u16::try_from(value_length).expect("a version value under 64 KiB"));
    out.u16(kind);
    out.extend_from_slice(&utf16z(key));
    out.pad(4);
    out.extend_from_slice(&value_bytes);
    children(out);
    let length = u16::try_from(out.len() - start).expect("the version resource is under 64 KiB");
    out[start..start + 2].copy_from_slice(&length.to_le_bytes());
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// The VS_VERSIONINFO block.
fn version_info(spec: &PeSpec) -> Vec<u8> {
    let pack = |v: [u16; 4]| {
        (
            u32::from(v[0]) << 16 | u32::from(v[1]),
            u32::from(v[2]) << 16 | u32::from(v[3]),
        )
    };
    let (file_ms, file_ls) = pack(spec.file_version);
    let (product_ms, product_ls) = pack(spec.product_version);
    let mut fixed = Vec::with_capacity(52);
    for v in [
        VS_FIXEDFILEINFO_SIGNATURE,
        VS_FFI_STRUCVERSION,
        file_ms,
        file_ls,
        product_ms,
        product_ls,
        VS_FFI_FILEFLAGSMASK,
        0, // dwFileFlags
        VOS_NT_WINDOWS32,
        if spec.dll { VFT_DLL } else { VFT_APP },
        0, // dwFileSubtype
        0, // dwFileDateMS
        0, // dwFileDateLS
    ] {
        fixed.u32(v);
    }
    let table_key = format!("{:04X}{:04X}", spec.language, spec.codepage);
    let mut translation = Vec::with_capacity(4);
    translation.u16(spec.language);
    translation.u16(spec.codepage);

    let mut out = Vec::new();
    node(
        &mut out,
        "VS_VERSION_INFO",
        Value::Bytes(&fixed),
        |out: &mut Vec<u8>| {
            node(out, "StringFileInfo", Value::None, |out: &mut Vec<u8>| {
                node(out, &table_key, Value::None, |out: &mut Vec<u8>| {
                    for (key, text) in spec.strings {
                        node(out, key, Value::Text(text), |_: &mut Vec<u8>| {});
                    }
                });
            });
            node(out, "VarFileInfo", Value::None, |out: &mut Vec<u8>| {
                node(
                    out,
                    "Translation",
                    Value::Bytes(&translation),
                    |_: &mut Vec<u8>| {},
                );
            });
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    const STRINGS: &[(&str, &str)] = &[
        ("CompanyName", "Microsoft Corporation"),
        ("FileDescription", "Microsoft Exchange Information Store"),
        ("FileVersion", "08.01.0240.006"),
        ("InternalName", "store.exe"),
        (
            "LegalCopyright",
            "Copyright (c) Microsoft Corporation. All rights reserved.",
        ),
        ("OriginalFilename", "store.exe"),
        ("ProductName", "Microsoft Exchange"),
        ("ProductVersion", "08.01.0240.006"),
    ];

    fn spec(machine: Machine, dll: bool) -> PeSpec<'static> {
        PeSpec {
            machine,
            dll,
            file_version: [8, 1, 240, 6],
            product_version: [8, 1, 240, 5],
            language: 1033,
            codepage: 1200,
            strings: STRINGS,
            filler: b"look-alike payload: not Microsoft's code\0",
        }
    }

    const ALL: [(Machine, bool); 4] = [
        (Machine::X64, false),
        (Machine::X64, true),
        (Machine::I386, false),
        (Machine::I386, true),
    ];

    /// A file in a directory of its own under the temp dir, both removed when dropped.
    /// (Unit tests of a binary crate get no CARGO_TARGET_TMPDIR.)
    struct TempFile(PathBuf);
    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> TempFile {
            let dir =
                std::env::temp_dir().join(format!("msikit-xtask-pe-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            TempFile(path)
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }

    /// Runs an oracle and returns its stdout; a missing tool fails the test, naming its package.
    fn oracle(program: &str, package: &str, args: &[&str], file: &TempFile) -> String {
        let out = Command::new(program)
            .args(args)
            .arg(&file.0)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {program} ({e}): install the Debian package {package}")
            });
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{program} {args:?} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    fn file_name(machine: Machine, dll: bool) -> String {
        let m = match machine {
            Machine::X64 => "x64",
            Machine::I386 => "x86",
        };
        format!("{m}.{}", if dll { "dll" } else { "exe" })
    }

    #[test]
    fn msikit_reads_the_version_back() {
        for (machine, dll) in ALL {
            let mut s = spec(machine, dll);
            let image = build_pe(&s);
            let got = msikit::jobs::authoring::pe::version_resource(&image)
                .unwrap()
                .unwrap_or_else(|| panic!("{machine:?} dll={dll}: no version resource"));
            assert_eq!(got.version, "8.1.240.6", "{machine:?} dll={dll}");
            assert_eq!(got.language, Some(1033), "{machine:?} dll={dll}");

            s.file_version = [65535, 0, 7, 1];
            s.language = 1031;
            s.filler = &[];
            s.strings = &[];
            let got = msikit::jobs::authoring::pe::version_resource(&build_pe(&s))
                .unwrap()
                .unwrap();
            assert_eq!(got.version, "65535.0.7.1");
            assert_eq!(got.language, Some(1031));
        }
    }

    #[test]
    fn layout_is_aligned_and_sized() {
        for (machine, dll) in ALL {
            let image = build_pe(&spec(machine, dll));
            assert_eq!(image.len() % FILE_ALIGNMENT as usize, 0);
            let u32_at = |at: usize| u32::from_le_bytes(image[at..at + 4].try_into().unwrap());
            let opt = PE_OFFSET + 4 + COFF_HEADER_LEN;
            // SizeOfImage covers the last section, SizeOfHeaders the section table.
            let size_of_image = u32_at(opt + 56);
            assert_eq!(size_of_image % SECTION_ALIGNMENT, 0);
            assert_eq!(u32_at(opt + 60), 0x200);
            // The checksum, recomputed, matches what was written.
            assert_eq!(u32_at(opt + CHECKSUM_OFFSET), checksum(&image));
        }
    }

    #[test]
    fn same_spec_same_bytes() {
        for (machine, dll) in ALL {
            assert_eq!(build_pe(&spec(machine, dll)), build_pe(&spec(machine, dll)));
        }
        let mut other = spec(Machine::X64, false);
        other.filler = b"another file";
        assert_ne!(build_pe(&other), build_pe(&spec(Machine::X64, false)));
    }

    #[test]
    fn seven_zip_reads_the_version_resource() {
        for (machine, dll) in ALL {
            let file = TempFile::new(
                &format!("7z-{}", file_name(machine, dll)),
                &build_pe(&spec(machine, dll)),
            );
            let listing = oracle("7zz", "7zip", &["l", "-slt"], &file);
            let characteristics = match (machine, dll) {
                (Machine::X64, false) => "Characteristics = Executable LargeAddress NoRelocs",
                (Machine::X64, true) => "Characteristics = Executable DLL LargeAddress",
                (Machine::I386, false) => "Characteristics = Executable 32-bit NoRelocs",
                (Machine::I386, true) => "Characteristics = Executable DLL 32-bit",
            };
            for want in [
                "Type = PE",
                match machine {
                    Machine::X64 => "CPU = x64",
                    Machine::I386 => "CPU = x86",
                },
                characteristics,
                if dll {
                    "Subsystem = Windows GUI"
                } else {
                    "Subsystem = Windows CUI"
                },
                "Created = 2007-11-18 09:04:00",
                "Section Alignment = 4096",
                "File Alignment = 512",
                "Headers Size = 512",
                // From VS_FIXEDFILEINFO, then from the string table.
                "FileVersion: 8.1.240.6",
                "FileVersion: 08.01.0240.006",
                "ProductVersion: 8.1.240.5",
                "CompanyName: Microsoft Corporation",
                "LegalCopyright: Copyright (c) Microsoft Corporation. All rights reserved.",
                "OriginalFilename: store.exe",
                "Path = .text",
                "Path = .rdata",
                "Path = .rsrc/version.txt",
            ] {
                assert!(
                    listing.contains(want),
                    "7zz l -slt lacks {want:?}:\n{listing}"
                );
            }
            // 7-Zip verifies the checksum (among other things) and warns when it is wrong.
            assert!(!listing.contains("WARNING"), "7zz warns:\n{listing}");

            // The version resource as 7-Zip renders it back to resource-script text (UTF-16LE).
            let script = Command::new("7zz")
                .args(["e", "-so"])
                .arg(&file.0)
                .arg(".rsrc/version.txt")
                .output()
                .expect("7zz ran a moment ago");
            assert!(script.status.success(), "7zz e -so failed");
            let units: Vec<u16> = script
                .stdout
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            let script = String::from_utf16_lossy(&units);
            for want in [
                "FILEVERSION    8,1,240,6",
                "PRODUCTVERSION 8,1,240,5",
                "FILEOS         VOS_NT_WINDOWS32",
                if dll {
                    "FILETYPE       VFT_DLL"
                } else {
                    "FILETYPE       VFT_APP"
                },
                "BLOCK \"StringFileInfo\"",
                "BLOCK \"040904B0\"",
                "VALUE \"ProductName\",       \"Microsoft Exchange\"",
                "BLOCK \"VarFileInfo\"",
                "VALUE \"Translation\", 0x409, 1200",
            ] {
                assert!(
                    script.contains(want),
                    "version.txt lacks {want:?}:\n{script}"
                );
            }
        }
    }

    #[test]
    fn objdump_reads_the_headers() {
        for (machine, dll) in ALL {
            let s = spec(machine, dll);
            let file = TempFile::new(
                &format!("objdump-{}", file_name(machine, dll)),
                &build_pe(&s),
            );
            let out = oracle(
                "x86_64-w64-mingw32-objdump",
                "binutils-mingw-w64-x86-64",
                &["-x"],
                &file,
            );
            let (format, magic, rva) = match machine {
                Machine::X64 => (
                    "file format pei-x86-64",
                    "Magic\t\t\t020b",
                    "0000000000003000",
                ),
                Machine::I386 => ("file format pei-i386", "Magic\t\t\t010b", "00003000"),
            };
            // The resource section: the 0x58 bytes of directories and data entry, then the block.
            let block = version_info(&s).len();
            let directory = format!(
                "Entry 2 {rva} {:08x} Resource Directory [.rsrc]",
                0x58 + block
            );
            let leaf = format!("Leaf: Addr: 0x003058, Size: 0x{block:06x}, Codepage: 0");
            let code_len = match (machine, dll) {
                (_, false) => 3,
                (Machine::X64, true) => 6,
                (Machine::I386, true) => 8,
            };
            let text = format!("  0 .text         {code_len:08x}  ");
            let rdata = format!("  1 .rdata        {:08x}  ", s.filler.len());
            let rsrc = format!("  2 .rsrc         {:08x}  ", 0x58 + block);
            for want in [
                format,
                magic,
                "Time/Date\t\tSun Nov 18 09:04:00 2007",
                "SectionAlignment\t00001000",
                "FileAlignment\t\t00000200",
                "SizeOfHeaders\t\t00000200",
                &directory,
                // The resource tree: RT_VERSION, name 1, language 1033, then the data.
                "Entry: ID: 0x000010, Value: 0x80000018",
                "Entry: ID: 0x000001, Value: 0x80000030",
                "Entry: ID: 0x000409, Value: 0x000048",
                &leaf,
                &text,
                &rdata,
                &rsrc,
            ] {
                assert!(out.contains(want), "objdump -x lacks {want:?}:\n{out}");
            }
            let subsystem = if dll {
                "(Windows GUI)"
            } else {
                "(Windows CUI)"
            };
            assert!(out.contains(subsystem), "{out}");
        }
    }
}
