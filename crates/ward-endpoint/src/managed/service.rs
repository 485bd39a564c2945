//! The managed daemon as a system service: the systemd unit and the launchd plist (the files
//! in `packaging/`, the one source of both), rendered with the path of the `ward` to run,
//! installed under a system root and removed again — only a file Ward wrote.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::paths::under_root;

/// The systemd unit template (`packaging/systemd/ward-agent.service`).
pub const SYSTEMD_UNIT: &str = include_str!("../../../../packaging/systemd/ward-agent.service");
/// The launchd plist template (`packaging/launchd/dev.ward.agent.plist`).
pub const LAUNCHD_PLIST: &str = include_str!("../../../../packaging/launchd/dev.ward.agent.plist");
/// What the templates say first, and what uninstall looks for before removing a file.
pub const MARKER: &str = "Installed by `ward agent install-service`";
const BIN_PLACEHOLDER: &str = "@WARD_BIN@";

/// The service manager a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceTarget {
    Systemd,
    Launchd,
}

/// Why a service file cannot be written or removed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the ward binary path {0} cannot be used in a service file: {1}")]
    BadBinary(PathBuf, &'static str),
    #[error("{0} was not written by `ward agent install-service`; left in place")]
    NotOurs(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl ServiceTarget {
    /// This platform's service manager.
    pub fn native() -> ServiceTarget {
        if cfg!(target_os = "macos") {
            ServiceTarget::Launchd
        } else {
            ServiceTarget::Systemd
        }
    }

    pub fn parse(name: &str) -> Option<ServiceTarget> {
        match name {
            "systemd" => Some(ServiceTarget::Systemd),
            "launchd" => Some(ServiceTarget::Launchd),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ServiceTarget::Systemd => "systemd",
            ServiceTarget::Launchd => "launchd",
        }
    }

    /// Where the file goes under `root`.
    pub fn install_path(self, root: &Path) -> PathBuf {
        match self {
            ServiceTarget::Systemd => under_root(root, "/etc/systemd/system/ward-agent.service"),
            ServiceTarget::Launchd => under_root(root, "/Library/LaunchDaemons/dev.ward.agent.plist"),
        }
    }

    /// The commands that load and start (or stop and unload) the installed file on a live
    /// system (`root` = `/`), as argument vectors.
    pub fn activation(self, installing: bool) -> Vec<Vec<String>> {
        let argv = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        let plist = "/Library/LaunchDaemons/dev.ward.agent.plist";
        match (self, installing) {
            (ServiceTarget::Systemd, true) => vec![
                argv(&["systemctl", "daemon-reload"]),
                argv(&["systemctl", "enable", "--now", "ward-agent.service"]),
            ],
            (ServiceTarget::Systemd, false) => vec![
                argv(&["systemctl", "disable", "--now", "ward-agent.service"]),
                argv(&["systemctl", "daemon-reload"]),
            ],
            (ServiceTarget::Launchd, true) => vec![argv(&["launchctl", "bootstrap", "system", plist])],
            (ServiceTarget::Launchd, false) => vec![argv(&["launchctl", "bootout", "system/dev.ward.agent"])],
        }
    }
}

/// The service file for `target`, running `ward_bin`.
pub fn render(target: ServiceTarget, ward_bin: &Path) -> Result<String, ServiceError> {
    let bad = |why| ServiceError::BadBinary(ward_bin.to_owned(), why);
    let text = ward_bin.to_str().ok_or_else(|| bad("not UTF-8"))?;
    if !ward_bin.is_absolute() {
        return Err(bad("not an absolute path"));
    }
    if text.chars().any(char::is_control) {
        return Err(bad("it holds a control character"));
    }
    let value = match target {
        ServiceTarget::Systemd => {
            // systemd expands `%` specifiers and splits on spaces unless quoted.
            let escaped = text.replace('%', "%%").replace('\\', "\\\\").replace('"', "\\\"");
            if escaped.contains([' ', '"', '\\', '\'']) {
                format!("\"{escaped}\"")
            } else {
                escaped
            }
        }
        ServiceTarget::Launchd => text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;"),
    };
    let template = match target {
        ServiceTarget::Systemd => SYSTEMD_UNIT,
        ServiceTarget::Launchd => LAUNCHD_PLIST,
    };
    Ok(template.replace(BIN_PLACEHOLDER, &value))
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub path: PathBuf,
    pub text: String,
    /// `false` when the file already had this content.
    pub changed: bool,
}

/// Writes the service file under `root` (atomically, mode 0644).
pub fn install(target: ServiceTarget, root: &Path, ward_bin: &Path) -> Result<Installed, ServiceError> {
    let text = render(target, ward_bin)?;
    let path = target.install_path(root);
    if fs::read_to_string(&path).is_ok_and(|old| old == text) {
        return Ok(Installed { path, text, changed: false });
    }
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| ServiceError::Io { path, source }
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(fail(parent))?;
    }
    let tmp = path.with_extension("ward-tmp");
    let _ = fs::remove_file(&tmp);
    let mut file =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o644).open(&tmp).map_err(fail(&tmp))?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(fail(&tmp))?;
    fs::rename(&tmp, &path).map_err(fail(&path))?;
    Ok(Installed { path, text, changed: true })
}

/// Removes the service file under `root` if Ward wrote it. `None`: there was none.
pub fn uninstall(target: ServiceTarget, root: &Path) -> Result<Option<PathBuf>, ServiceError> {
    let path = target.install_path(root);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ServiceError::Io { path, source }),
    };
    if !text.contains(MARKER) {
        return Err(ServiceError::NotOurs(path));
    }
    fs::remove_file(&path).map_err(|source| ServiceError::Io { path: path.clone(), source })?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_carry_the_marker_and_the_placeholder() {
        for template in [SYSTEMD_UNIT, LAUNCHD_PLIST] {
            assert!(template.contains(MARKER));
            assert_eq!(template.matches(BIN_PLACEHOLDER).count(), 1);
        }
    }

    #[test]
    fn the_unit_runs_the_given_binary_in_managed_mode() {
        let unit = render(ServiceTarget::Systemd, Path::new("/usr/local/bin/ward")).unwrap();
        assert!(unit.contains("\nExecStart=/usr/local/bin/ward agent run --managed\n"), "{unit}");
        assert!(unit.contains("RuntimeDirectory=ward\n") && unit.contains("StateDirectory=ward\n"));
        // ProtectSystem=strict: the compiled managed policy's folder must be the unit's own.
        assert!(unit.contains("CacheDirectory=ward\nCacheDirectoryMode=0755\n"));
        // And the fleet's policy is installed in /etc/ward.
        assert!(unit.contains("ConfigurationDirectory=ward\nConfigurationDirectoryMode=0755\n"));
        let spaced = render(ServiceTarget::Systemd, Path::new("/opt/my tools/ward%1")).unwrap();
        assert!(spaced.contains("ExecStart=\"/opt/my tools/ward%%1\" agent run --managed"), "{spaced}");
    }

    #[test]
    fn the_plist_is_a_valid_property_list_with_the_binary() {
        let text = render(ServiceTarget::Launchd, Path::new("/opt/a&b/ward")).unwrap();
        let value: plist::Value = plist::from_bytes(text.as_bytes()).unwrap();
        let dict = value.as_dictionary().unwrap();
        assert_eq!(dict["Label"].as_string(), Some("dev.ward.agent"));
        let args: Vec<&str> =
            dict["ProgramArguments"].as_array().unwrap().iter().filter_map(|v| v.as_string()).collect();
        assert_eq!(args, ["/opt/a&b/ward", "agent", "run", "--managed"]);
        assert_eq!(dict["UserName"].as_string(), Some("root"));
        assert_eq!(dict["KeepAlive"].as_boolean(), Some(true));
    }

    #[test]
    fn bad_binary_paths_are_refused() {
        for path in ["ward", "/usr/bin/wa\nrd"] {
            assert!(render(ServiceTarget::Systemd, Path::new(path)).is_err(), "{path:?}");
        }
    }

    #[test]
    fn install_then_uninstall_under_a_root_and_foreign_files_stay() {
        let root = tempfile::tempdir().unwrap();
        for target in [ServiceTarget::Systemd, ServiceTarget::Launchd] {
            let first = install(target, root.path(), Path::new("/usr/bin/ward")).unwrap();
            assert!(first.changed);
            assert!(first.path.starts_with(root.path()));
            assert_eq!(fs::read_to_string(&first.path).unwrap(), first.text);
            assert!(!install(target, root.path(), Path::new("/usr/bin/ward")).unwrap().changed);
            assert_eq!(uninstall(target, root.path()).unwrap(), Some(first.path.clone()));
            assert!(!first.path.exists());
            assert_eq!(uninstall(target, root.path()).unwrap(), None);
            fs::write(&first.path, "someone else's unit").unwrap();
            assert!(matches!(uninstall(target, root.path()), Err(ServiceError::NotOurs(_))));
            assert!(first.path.exists());
        }
    }
}
