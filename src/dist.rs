//! Trunk's release output made ready to deliver (`plugin-dist`, which Trunk runs after a
//! release build; the sandbox serves what it makes):
//!
//! - the wasm-bindgen glue and the styles minified by a minifier the caller names (Trunk's own
//!   cannot read the glue), with the page's integrity hashes made true again;
//! - every file Trunk named by a hash renamed by a hash of what it now holds, so a name is never
//!   reused for other bytes and a browser may keep a file for a year without asking again;
//! - beside every file a server sends, a brotli and a gzip copy, for servers that answer with
//!   precompressed files (`name.br`, `name.gz`).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

/// The page Trunk writes; it names every other file.
pub const PAGE: &str = "index.html";

/// The plugin's bundles, by the folder of `dist/` each is built into (the Makefile's `plugin`):
/// the sidebar's (a record's page and the list-view actions, www/index.html) at the top, the CRM
/// tab's (www/tab.html) in `tab/`. Each mount loads only the views it shows; the manifest's
/// `entryUrls` names each mount's page.
pub const BUNDLES: [&str; 2] = ["", "tab"];

/// The encodings a copy is made in, by file suffix.
pub const BROTLI_SUFFIX: &str = "br";
pub const GZIP_SUFFIX: &str = "gz";

/// Kinds of files worth compressing (images and fonts come compressed).
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "css", "svg", "json", "txt", "map"];

/// Whether `name` carries a content hash the way Trunk names files: `<stem>-<hex>` followed by
/// the extension or wasm-bindgen's `_bg`. Trunk writes the hash's hex digits without leading
/// zeros, so a few are allowed to be missing.
pub fn is_hashed_name(name: &str) -> bool {
    hash_span(name).is_some()
}

/// Where the hash of a hashed name is, as a byte range.
fn hash_span(name: &str) -> Option<std::ops::Range<usize>> {
    let dash = name.rfind('-')?;
    let start = dash + 1;
    let len = name[start..]
        .bytes()
        .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        .count();
    let next = name.as_bytes().get(start + len)?;
    ((12..=16).contains(&len) && matches!(next, b'.' | b'_')).then_some(start..start + len)
}

/// `name` with its hash replaced by the first 64 bits of the SHA-256 of `bytes`.
fn content_hashed_name(name: &str, bytes: &[u8]) -> Option<String> {
    let span = hash_span(name)?;
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{}{hex}{}", &name[..span.start], &name[span.end..]))
}

/// The Subresource Integrity value Trunk writes for a file (`sha384-…`).
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

/// Brotli at its best setting (quality 11, 4 MiB window), as browsers decode it.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer
            .write_all(bytes)
            .expect("writing to memory does not fail");
    }
    out
}

/// Gzip at its best setting.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to memory does not fail");
    encoder.finish().expect("writing to memory does not fail")
}

/// The files of `dir` and its subfolders, the page and compressed copies aside, sorted.
fn delivered_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let is_copy = extension == BROTLI_SUFFIX || extension == GZIP_SUFFIX;
            if !is_copy && path.file_name().is_some_and(|n| n != PAGE) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn extension_of(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// What [`finish`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The file's path under the folder, as the page names it.
    pub name: String,
    pub bytes: usize,
    /// Sizes of the brotli and gzip copies, if the file is worth compressing.
    pub brotli: Option<usize>,
    pub gzip: Option<usize>,
}

/// Rewrites a `.js` or `.css` file in place, smaller.
pub type Minifier<'a> = &'a dyn Fn(&Path) -> io::Result<()>;

/// Makes Trunk's output in `dir` ready to deliver: `minify` runs on the glue and the styles,
/// each hashed name is replaced by one of the content, the page's integrity hashes and file
/// names are brought in line, and each compressible file gets its `.br` and `.gz` copy.
pub fn finish(dir: &Path, minify: Option<Minifier<'_>>) -> io::Result<Vec<Delivered>> {
    let page_path = dir.join(PAGE);
    let mut page = fs::read_to_string(&page_path)?;
    let mut delivered = Vec::new();
    for path in delivered_files(dir)? {
        let mut bytes = fs::read(&path)?;
        if let Some(minify) = minify.filter(|_| matches!(extension_of(&path), "js" | "css")) {
            let before = integrity(&bytes);
            minify(&path)?;
            bytes = fs::read(&path)?;
            page = page.replace(&before, &integrity(&bytes));
        }
        let mut path = path;
        let old_name = file_name(&path);
        if let Some(new_name) = content_hashed_name(&old_name, &bytes) {
            if new_name != old_name {
                let renamed = path.with_file_name(&new_name);
                fs::rename(&path, &renamed)?;
                page = page.replace(&old_name, &new_name);
                path = renamed;
            }
        }
        let (brotli, gzip) = if COMPRESSIBLE.contains(&extension_of(&path)) {
            let br = brotli(&bytes);
            let gz = gzip(&bytes);
            fs::write(with_suffix(&path, BROTLI_SUFFIX), &br)?;
            fs::write(with_suffix(&path, GZIP_SUFFIX), &gz)?;
            (Some(br.len()), Some(gz.len()))
        } else {
            (None, None)
        };
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        delivered.push(Delivered {
            name,
            bytes: bytes.len(),
            brotli,
            gzip,
        });
    }
    fs::write(&page_path, page)?;
    delivered.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(delivered)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` with `.suffix` appended to its whole name (`app.js` → `app.js.br`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunks_hashed_names_are_told_from_others() {
        for hashed in [
            "crm-sidebar-167c4d2bedd6f07d.js",
            "crm-sidebar-167c4d2bedd6f07d_bg.wasm",
            "sidebar-9a7f39c9ab4681bc.css",
            // Trunk's hex has no leading zeros.
            "sidebar-a7f39c9ab4681bc.css",
        ] {
            assert!(is_hashed_name(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "favicon.svg",
            "crm-sidebar.js",
            "sidebar-dark.css",
            "crm-sidebar-167c4d2bedd6f07d",
            "crm-sidebar-167C4D2BEDD6F07D.js",
        ] {
            assert!(!is_hashed_name(plain), "{plain}");
        }
    }

    /// A dist/ as Trunk writes it: the page names the glue, the wasm and the styles, with
    /// integrity hashes of each.
    fn trunk_output(dir: &Path) -> (String, String, String) {
        let js = "export function start() {\n    return 1 + 1;\n}\n";
        let css = "body {\n    margin: 0;\n}\n";
        let wasm = b"\0asm\x01\0\0\0 a wasm module's bytes, repeated, repeated, repeated";
        fs::write(dir.join("app-167c4d2bedd6f07d.js"), js).unwrap();
        fs::write(dir.join("app-167c4d2bedd6f07d_bg.wasm"), wasm).unwrap();
        fs::write(dir.join("sidebar-9a7f39c9ab4681bc.css"), css).unwrap();
        fs::write(dir.join("logo.png"), b"\x89PNG not worth compressing").unwrap();
        let page = format!(
            "<link href=/sidebar-9a7f39c9ab4681bc.css integrity={} rel=stylesheet>\
             <script type=module>import init from '/app-167c4d2bedd6f07d.js';\
             await init({{ module_or_path: '/app-167c4d2bedd6f07d_bg.wasm' }});</script>\
             <link href=/app-167c4d2bedd6f07d.js integrity={} rel=modulepreload>\
             <link href=/app-167c4d2bedd6f07d_bg.wasm integrity={} rel=preload>",
            integrity(css.as_bytes()),
            integrity(js.as_bytes()),
            integrity(wasm),
        );
        fs::write(dir.join(PAGE), &page).unwrap();
        (js.to_owned(), css.to_owned(), page)
    }

    /// Stands in for the minifier: drops the whitespace at the start of each line.
    fn squeeze(path: &Path) -> io::Result<()> {
        let text = fs::read_to_string(path)?;
        let squeezed: String = text.lines().map(str::trim_start).collect();
        fs::write(path, squeezed)
    }

    #[test]
    fn finishing_minifies_renames_by_content_and_keeps_the_page_true() {
        let dir = tempfile::tempdir().unwrap();
        let (js, _, _) = trunk_output(dir.path());
        let delivered = finish(dir.path(), Some(&squeeze)).unwrap();
        let page = fs::read_to_string(dir.path().join(PAGE)).unwrap();

        let names: Vec<&str> = delivered.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        for delivered in &delivered {
            let bytes = fs::read(dir.path().join(&delivered.name)).unwrap();
            assert_eq!(bytes.len(), delivered.bytes);
            if delivered.name == "logo.png" {
                assert!(!page.contains(&delivered.name));
                assert_eq!((delivered.brotli, delivered.gzip), (None, None));
                continue;
            }
            assert!(is_hashed_name(&delivered.name));
            assert_eq!(
                Some(delivered.name.clone()),
                content_hashed_name(&delivered.name, &bytes),
                "named by what it holds"
            );
            assert!(page.contains(&format!("/{}", delivered.name)), "{page}");
            assert!(
                page.contains(&integrity(&bytes)),
                "{} keeps a true integrity hash: {page}",
                delivered.name
            );
        }
        assert!(
            !page.contains("167c4d2bedd6f07d"),
            "no old name is left: {page}"
        );
        let glue = delivered.iter().find(|d| d.name.ends_with(".js")).unwrap();
        let minified = fs::read_to_string(dir.path().join(&glue.name)).unwrap();
        assert!(minified.len() < js.len() && minified.contains("return 1 + 1;"));
    }

    #[test]
    fn each_compressible_file_gets_brotli_and_gzip_copies_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        trunk_output(dir.path());
        let delivered = finish(dir.path(), None).unwrap();
        let mut copies = 0;
        for delivered in &delivered {
            let path = dir.path().join(&delivered.name);
            let bytes = fs::read(&path).unwrap();
            let br = with_suffix(&path, BROTLI_SUFFIX);
            let gz = with_suffix(&path, GZIP_SUFFIX);
            match delivered.brotli {
                // That they decode to the file is checked over HTTP (tests/plugin_files.rs).
                Some(size) => {
                    let br = fs::read(br).unwrap();
                    assert_eq!(br.len(), size);
                    assert_eq!(br, brotli(&bytes));
                    assert_eq!(fs::read(gz).unwrap(), gzip(&bytes));
                    copies += 1;
                }
                None => assert!(!br.exists() && !gz.exists()),
            }
        }
        assert_eq!(copies, 3, "the glue, the wasm and the styles");
        assert!(
            !dir.path().join("index.html.br").exists(),
            "the page is served by the server"
        );

        // Running it again (Trunk's output left in place) changes nothing and copies no copy.
        let again = finish(dir.path(), None).unwrap();
        assert_eq!(again, delivered);
    }
}
