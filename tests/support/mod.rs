pub mod browser;
pub mod sandbox;

use std::path::{Path, PathBuf};

/// A new empty directory for this test process's scratch files (a sandbox's database, a
/// browser's profile), in a folder of the process's own. The first call of a process removes the
/// folders of processes that have ended: the tests' files would otherwise pile up in the
/// temporary directory over a run (gigabytes by the end of `make test`), on the disk the build
/// shares.
pub fn scratch_dir(kind: &str) -> PathBuf {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let root = std::env::temp_dir().join("crm-sidebar-tests");
    SWEPT.call_once(|| {
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let running = entry
                .file_name()
                .to_str()
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !running {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    let dir = root.join(std::process::id().to_string()).join(format!(
        "{kind}-{}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
