//! `cargo xtask bench build`.

use super::*;

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Files in the generated product (one component each, about 100 folders)
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    files: u32,
    /// Runs of each program; the median time counts
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Regenerate the payload and the sources even if they exist
    #[arg(long)]
    regenerate: bool,
}

/// Bump when the generated payload or sources change, so old ones are not reused.
pub(super) const BUILD_GENERATOR_VERSION: u32 = 1;

/// The goal for `msikit build` time as a fraction of wixl's.
pub(super) const BUILD_TIME_GOAL: f64 = 0.2;

/// The product's fixed codes (the same in both sources).
pub(super) const BUILD_PRODUCT_CODE: &str = "{6A1C3E5F-2B4D-4F60-8A9B-0C1D2E3F4A5B}";
pub(super) const BUILD_UPGRADE_CODE: &str = "{6A1C3E5F-2B4D-4F60-8A9B-0C1D2E3F4A5C}";

/// The generated product: its folder, the two sources, and the payload files (relative paths
/// under `payload/`, which is also where they install under `Bench Files/`).
pub(super) struct Product {
    dir: PathBuf,
    manifest: PathBuf,
    wxs: PathBuf,
    files: Vec<PathBuf>,
    bytes: u64,
}

pub(super) fn run_build(a: BuildArgs) -> Result<()> {
    let (have_time, dir) = prepare(
        &[
            ("wixl", "wixl"),
            ("msiinfo", "msitools"),
            ("msiextract", "msitools"),
        ],
        Some("build"),
    )?;
    let product = ensure_product(&dir, a.files, a.regenerate)?;
    let msikit = build_msikit()?;
    let wixl_version = run_ok(Command::new("wixl").arg("--version"))?;

    let out_msikit = product.dir.join("out-msikit.msi");
    let out_wixl = product.dir.join("out-wixl.msi");
    let msikit_cmd = || {
        let mut c = Command::new(&msikit);
        c.current_dir(&product.dir)
            .arg("build")
            .arg(&product.manifest)
            .arg("-o")
            .arg(&out_msikit);
        c
    };
    let wixl_cmd = || {
        let mut c = Command::new("wixl");
        c.current_dir(&product.dir)
            .args(["-a", "x64", "-o"])
            .arg(&out_wixl)
            .arg(&product.wxs);
        c
    };
    let tools: [(&str, &dyn Fn() -> Command, &Path); 2] = [
        ("msikit build", &msikit_cmd, &out_msikit),
        ("wixl", &wixl_cmd, &out_wixl),
    ];

    // A first, untimed run of each, which also warms the page cache; then the checks.
    println!(
        "msikit: {}\nwixl:   {}\npayload: {} files, {:.1} MiB, in {}",
        msikit.display(),
        wixl_version.trim(),
        product.files.len(),
        product.bytes as f64 / (1024.0 * 1024.0),
        product.dir.join("payload").display()
    );
    let mut problems = Vec::new();
    let mut alive = Vec::new();
    for (name, cmd, out) in &tools {
        let _ = std::fs::remove_file(out);
        let started = Instant::now();
        if let Err(e) = run_ok(&mut cmd()) {
            problems.push(format!("{name} failed: {e}"));
            alive.push(false);
            continue;
        }
        let first = started.elapsed();
        alive.push(true);
        let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        println!(
            "check {name}: first run {:.3} s, {} ({:.1} MiB)",
            first.as_secs_f64(),
            out.display(),
            size as f64 / (1024.0 * 1024.0)
        );
        match check_built(name, out, &product) {
            Ok(found) => problems.extend(found),
            Err(e) => problems.push(format!("{name}: checking {}: {e}", out.display())),
        }
    }

    eprintln!(
        "xtask: timing {} files, median of {} runs",
        product.files.len(),
        a.runs
    );
    let mut timings: Vec<Timing> = tools.iter().map(|_| Timing::default()).collect();
    for _ in 0..a.runs {
        for (i, (_, cmd, out)) in tools.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            let _ = std::fs::remove_file(out);
            timings[i].add(timed(&mut cmd(), have_time, &dir)?);
        }
    }

    let sizes: Vec<Option<u64>> = tools
        .iter()
        .zip(&alive)
        .map(|((_, _, out), &ok)| {
            ok.then(|| std::fs::metadata(out).map(|m| m.len()).ok())
                .flatten()
        })
        .collect();
    let names: Vec<&str> = tools.iter().map(|t| t.0).collect();
    print_build_table(product.files.len(), &names, &timings, &sizes);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// Generates `v<generator>-<files>/` (payload, `product.toml`, `product.wxs`) unless it is
/// complete already.
pub(super) fn ensure_product(dir: &Path, files: u32, regenerate: bool) -> Result<Product> {
    let root = dir.join(format!("v{BUILD_GENERATOR_VERSION}-{files}"));
    let manifest = root.join("product.toml");
    let wxs = root.join("product.wxs");
    let stamp = root.join("complete");

    // ~100 folders, the files spread evenly over them.
    let per_dir = files.div_ceil(100).max(1);
    let dirs = files.div_ceil(per_dir);
    let rel = |n: u32| {
        PathBuf::from(format!("d{:03}", (n - 1) / per_dir + 1)).join(format!("file_{n:05}.dat"))
    };
    let mut rng = Rng(0xB5AD_4ECE_DA1C_E2A9 ^ u64::from(files));
    let sizes: Vec<u64> = (1..=files).map(|_| 1024 + rng.next() % 7169).collect();
    let list: Vec<PathBuf> = (1..=files).map(rel).collect();
    let bytes = sizes.iter().sum();
    let product = Product {
        dir: root.clone(),
        manifest: manifest.clone(),
        wxs: wxs.clone(),
        files: list,
        bytes,
    };
    if stamp.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", root.display());
        return Ok(product);
    }
    eprintln!(
        "xtask: generating {} ({files} files in {dirs} folders)",
        root.display()
    );
    let started = Instant::now();
    if root.exists() {
        std::fs::remove_dir_all(&root)
            .map_err(|e| format!("cannot remove {}: {e}", root.display()))?;
    }
    let payload_dir = root.join("payload");
    for d in 1..=dirs {
        let p = payload_dir.join(format!("d{d:03}"));
        std::fs::create_dir_all(&p).map_err(|e| format!("cannot create {}: {e}", p.display()))?;
    }
    for (rel, &size) in product.files.iter().zip(&sizes) {
        let data = payload(&mut rng, size as usize);
        let p = payload_dir.join(rel);
        std::fs::write(&p, &data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }

    // The msikit manifest: one directory per folder, one component (GUID "*") per file.
    let mut toml = format!(
        "# Generated by `cargo xtask bench build`.\n\
         [package]\n\
         timestamp = 1700000000\n\n\
         [product]\n\
         name = \"Bench Build\"\n\
         manufacturer = \"Contoso Ltd.\"\n\
         version = \"1.0.0\"\n\
         code = \"{BUILD_PRODUCT_CODE}\"\n\
         upgrade_code = \"{BUILD_UPGRADE_CODE}\"\n\
         platform = \"x64\"\n\n\
         [[directory]]\n\
         id = \"INSTALLDIR\"\n\
         parent = \"ProgramFiles64Folder\"\n\
         name = \"Bench Files\"\n"
    );
    for d in 1..=dirs {
        let _ = write!(
            toml,
            "\n[[directory]]\nid = \"d{d:03}\"\nparent = \"INSTALLDIR\"\nname = \"d{d:03}\"\n"
        );
    }
    toml.push_str("\n[[feature]]\nid = \"Main\"\ntitle = \"Bench Build\"\n");
    for n in 1..=files {
        let d = (n - 1) / per_dir + 1;
        let _ = write!(
            toml,
            "\n[[component]]\nid = \"c{n:05}\"\nguid = \"*\"\ndirectory = \"d{d:03}\"\n\n\
             [[file]]\nid = \"f{n:05}\"\ncomponent = \"c{n:05}\"\n\
             source = \"payload/d{d:03}/file_{n:05}.dat\"\n"
        );
    }

    // The same product for wixl.
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Generated by `cargo xtask bench build`. -->\n\
         <Wix xmlns=\"http://schemas.microsoft.com/wix/2006/wi\">\n\
         \x20 <Product Id=\"{BUILD_PRODUCT_CODE}\" Name=\"Bench Build\" Language=\"1033\" \
         Version=\"1.0.0\" Manufacturer=\"Contoso Ltd.\" UpgradeCode=\"{BUILD_UPGRADE_CODE}\">\n\
         \x20   <Package InstallerVersion=\"200\" Compressed=\"yes\" InstallScope=\"perMachine\"/>\n\
         \x20   <Media Id=\"1\" Cabinet=\"product.cab\" EmbedCab=\"yes\"/>\n\
         \x20   <Directory Id=\"TARGETDIR\" Name=\"SourceDir\">\n\
         \x20     <Directory Id=\"ProgramFiles64Folder\">\n\
         \x20       <Directory Id=\"INSTALLDIR\" Name=\"Bench Files\">\n"
    );
    for d in 1..=dirs {
        let _ = writeln!(xml, "          <Directory Id=\"d{d:03}\" Name=\"d{d:03}\">");
        for n in (d - 1) * per_dir + 1..=(d * per_dir).min(files) {
            let _ = writeln!(
                xml,
                "            <Component Id=\"c{n:05}\" Guid=\"*\" Win64=\"yes\"><File \
                 Id=\"f{n:05}\" Source=\"payload/d{d:03}/file_{n:05}.dat\" KeyPath=\"yes\"/>\
                 </Component>"
            );
        }
        xml.push_str("          </Directory>\n");
    }
    xml.push_str(
        "        </Directory>\n      </Directory>\n    </Directory>\n    \
         <Feature Id=\"Main\" Title=\"Bench Build\" Level=\"1\">\n",
    );
    for n in 1..=files {
        let _ = writeln!(xml, "      <ComponentRef Id=\"c{n:05}\"/>");
    }
    xml.push_str("    </Feature>\n  </Product>\n</Wix>\n");

    for (p, text) in [(&manifest, &toml), (&wxs, &xml)] {
        std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    eprintln!(
        "xtask: generated {} files ({:.1} MiB) and both sources in {:.1} s",
        files,
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(product)
}

/// Checks a built package: `msiinfo export File` has a row per payload file (plus the 3 header
/// lines), and `msiextract -C` gives back every payload file byte for byte. Prints what it found;
/// returns the problems.
pub(super) fn check_built(name: &str, msi: &Path, product: &Product) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let lines = run_ok(Command::new("msiinfo").arg("export").arg(msi).arg("File"))?
        .lines()
        .count();
    let want = product.files.len() + 3;
    println!(
        "check {name}: msiinfo export File: {lines} lines (want {} rows + 3 header lines){}",
        product.files.len(),
        if lines == want { "" } else { "  MISMATCH" }
    );
    if lines != want {
        problems.push(format!(
            "{name}: msiinfo export File gave {lines} lines, not {want}"
        ));
    }

    let out = product.dir.join("extracted");
    clean(&out)?;
    run_ok(Command::new("msiextract").arg("-C").arg(&out).arg(msi))?;
    let (extracted, _) = tally(&out);
    let installed = out.join("Bench Files");
    let mut same = 0usize;
    let mut bad = Vec::new();
    for rel in &product.files {
        let want = std::fs::read(product.dir.join("payload").join(rel));
        let got = std::fs::read(installed.join(rel));
        match (want, got) {
            (Ok(w), Ok(g)) if w == g => same += 1,
            _ => bad.push(rel.display().to_string()),
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "check {name}: msiextract -C: {extracted} files out, {same} of {} equal to the payload{}",
        product.files.len(),
        if bad.is_empty() {
            String::new()
        } else {
            format!(
                "  MISMATCH ({} differ or are missing, first {})",
                bad.len(),
                bad[0]
            )
        }
    );
    if !bad.is_empty() || extracted != product.files.len() as u64 {
        problems.push(format!(
            "{name}: msiextract gave {extracted} files, {same} of {} equal to the payload",
            product.files.len()
        ));
    }
    Ok(problems)
}

pub(super) fn print_build_table(
    files: usize,
    names: &[&str],
    timings: &[Timing],
    sizes: &[Option<u64>],
) {
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let reference = names.iter().position(|n| *n == "wixl").map(|i| &timings[i]);
    println!();
    println!(
        "{files} files; goal: msikit build time <= {BUILD_TIME_GOAL}x wixl's; times are the \
         median of {} runs",
        timings.iter().map(|t| t.samples.len()).max().unwrap_or(0)
    );
    println!(
        "{:<14}  {:>9}  {:>9}  {:>11}  {:>13}  {:>8}  {:>11}",
        "tool", "median s", "best s", "peak RSS", "time/wixl", "RSS/wixl", "package"
    );
    for ((name, t), size) in names.iter().zip(timings).zip(sizes) {
        let secs =
            |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()));
        let (tr, mr) = match reference {
            Some(r) if *name != "wixl" => {
                let tr = match (t.median(), r.median()) {
                    (Some(a), Some(b)) if !b.is_zero() => {
                        let x = a.as_secs_f64() / b.as_secs_f64();
                        format!(
                            "{x:.3}{}",
                            if x <= BUILD_TIME_GOAL { "" } else { " (over)" }
                        )
                    }
                    _ => "-".to_string(),
                };
                let mr = match (t.peak_rss_kib, r.peak_rss_kib) {
                    (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
                    _ => "-".to_string(),
                };
                (tr, mr)
            }
            _ => (String::new(), String::new()),
        };
        println!(
            "{:<14}  {:>9}  {:>9}  {:>11}  {:>13}  {:>8}  {:>11}",
            name,
            secs(t.median()),
            secs(t.best),
            t.peak_rss_kib.map_or("-".to_string(), |k| mib(k * 1024)),
            tr,
            mr,
            size.map_or("-".to_string(), mib),
        );
    }
}
