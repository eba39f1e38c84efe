//! `plugin-dist`: Trunk's post-build step (see `Trunk.toml`). After a release build it minifies
//! the glue and the styles with esbuild, names each hashed file by its content and writes the
//! brotli and gzip copies the plugin origin serves ([`crm_sidebar::dist::finish`]). Debug builds
//! are left as Trunk made them.
//!
//! Trunk's own JavaScript minifier (minify-js 0.5) cannot parse the module wasm-bindgen writes
//! (`export { initSync, __wbg_init as default }`) and gives up with a warning, shipping the glue
//! unminified; it is also known to drop getters from what it can parse. So Trunk minifies
//! nothing (`minify = "never"`) and esbuild does the glue and the styles here.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crm_sidebar::dist;

/// The esbuild that `.ci/install-tools.sh` installs with the CRM packages' tools (pinned in
/// manifest/package-lock.json), unless `ESBUILD` names another.
fn esbuild() -> PathBuf {
    std::env::var_os("ESBUILD")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("manifest/node_modules/.bin/esbuild")
        })
}

fn minify(esbuild: &Path, file: &Path) -> io::Result<()> {
    let status = Command::new(esbuild)
        .arg(file)
        .arg("--minify")
        .arg("--log-level=warning")
        .arg("--allow-overwrite")
        .arg(format!("--outfile={}", file.display()))
        .status()
        .map_err(|error| {
            io::Error::new(
                error.kind(),
                format!(
                    "cannot run {} ({error}): run .ci/install-tools.sh, or name one in ESBUILD",
                    esbuild.display()
                ),
            )
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "esbuild failed on {}",
            file.display()
        )))
    }
}

fn main() -> ExitCode {
    if std::env::var("TRUNK_PROFILE").as_deref() != Ok("release") {
        return ExitCode::SUCCESS;
    }
    let Some(dir) = std::env::var_os("TRUNK_STAGING_DIR").map(PathBuf::from) else {
        eprintln!("plugin-dist: run by Trunk after a build (TRUNK_STAGING_DIR is not set)");
        return ExitCode::FAILURE;
    };
    let esbuild = esbuild();
    let minify = |file: &Path| minify(&esbuild, file);
    match dist::finish(&dir, Some(&minify)) {
        Ok(files) => {
            for file in files {
                match file.brotli {
                    Some(brotli) => println!(
                        "plugin-dist: {} {} bytes, brotli {brotli}, gzip {}",
                        file.name,
                        file.bytes,
                        file.gzip.unwrap_or_default()
                    ),
                    None => println!("plugin-dist: {} {} bytes", file.name, file.bytes),
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("plugin-dist: {error}");
            ExitCode::FAILURE
        }
    }
}
