//! Files that forge, container and cluster CLIs read from this machine and send elsewhere:
//! `gh gist create F`, `gh release upload TAG F`, `gh api -F k=@F`, `docker cp F c:/x`,
//! `kubectl cp F pod:/x`, `docker run -v DIR:/x` (the container may read all of it).

/// A file the tool reads, with whether its whole tree is reached.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    pub path: String,
    pub tree: bool,
}

/// The local files `program` reads from its arguments to send them off.
pub(crate) fn uploads(program: &str, args: &[String]) -> Vec<Upload> {
    let file = |path: &str| Upload { path: path.to_owned(), tree: false };
    let mut found = Vec::new();
    let operands =
        |from: usize| -> Vec<&String> { args.iter().skip(from).filter(|a| !a.starts_with('-')).collect() };
    match program {
        "gh" => match (args.first().map(String::as_str), args.get(1).map(String::as_str)) {
            (Some("gist"), Some("create" | "new" | "edit")) => {
                found.extend(operands(2).into_iter().map(|f| file(f)));
            }
            // `gh issue create -F BODY`, `gh pr comment --body-file BODY`, `gh release create
            // --notes-file F`, `gh secret set -f .env`, `gh ssh-key add KEY`: files whose
            // content is posted.
            (Some("issue" | "pr" | "release" | "secret" | "variable" | "repo" | "discussion"), Some(_))
                if file_options(&args[2..]).next().is_some() =>
            {
                found.extend(file_options(&args[2..]).map(|f| file(&f)));
                if args[0] == "release" && matches!(args[1].as_str(), "upload" | "create") {
                    found.extend(
                        operands(2).into_iter().skip(1).map(|f| file(f.split('#').next().unwrap_or(f))),
                    );
                }
            }
            (Some("ssh-key" | "gpg-key"), Some("add")) => {
                found.extend(operands(2).into_iter().map(|f| file(f)))
            }
            (Some("release"), Some("upload" | "create")) => {
                // `gh release upload TAG FILES…` (`FILE#label` names FILE).
                found.extend(operands(2).into_iter().skip(1).map(|f| file(f.split('#').next().unwrap_or(f))));
            }
            (Some("api"), _) => {
                let mut i = 1;
                while let Some(a) = args.get(i) {
                    i += 1;
                    let (name, inline) = match a.split_once('=').filter(|(n, _)| n.starts_with("--")) {
                        Some((n, v)) => (n, Some(v.to_owned())),
                        None => (a.as_str(), None),
                    };
                    let value = |i: &mut usize| {
                        inline.clone().or_else(|| {
                            *i += 1;
                            args.get(*i - 1).cloned()
                        })
                    };
                    match name {
                        "--input" => found.extend(value(&mut i).map(|v| file(&v))),
                        "-F" | "--field" | "-f" | "--raw-field" => {
                            // `-F key=@FILE` reads FILE (`-f` takes strings, `@` included).
                            if let Some(v) = value(&mut i) {
                                if let Some((_, f)) =
                                    v.split_once("=@").filter(|_| name.starts_with("-F") || name == "--field")
                                {
                                    found.push(file(f));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        },
        "docker" | "podman" | "nerdctl" => {
            if let Some(at) = args.iter().position(|a| !a.starts_with('-')) {
                let rest = &args[at + 1..];
                match args[at].as_str() {
                    // `docker cp SRC CONTAINER:DST`: a local source is read (a directory whole).
                    "cp" => {
                        if let Some(src) = operands(at + 1).first().filter(|s| !s.contains(':')) {
                            found.push(Upload { path: (*src).clone(), tree: true });
                        }
                    }
                    "run" | "create" | "container" => {
                        found.extend(mounts(rest));
                        found.extend(env_files(rest).map(|f| file(&f)));
                    }
                    "compose" | "stack" => found.extend(env_files(rest).map(|f| file(&f))),
                    // `docker build --secret id=x,src=F`: F is given to the build.
                    "build" | "buildx" => {
                        for (i, a) in rest.iter().enumerate() {
                            let value = match a.strip_prefix("--secret") {
                                Some("") => rest.get(i + 1).map(String::as_str),
                                Some(v) => v.strip_prefix('='),
                                None => None,
                            };
                            let source = value.and_then(|v| {
                                v.split(',').find_map(|kv| {
                                    kv.strip_prefix("src=").or_else(|| kv.strip_prefix("source="))
                                })
                            });
                            found.extend(source.map(file));
                        }
                    }
                    _ => {}
                }
            }
        }
        "kubectl" | "oc" if args.first().map(String::as_str) == Some("cp") => {
            if let Some(src) = operands(1).first().filter(|s| !s.contains(':')) {
                found.push(Upload { path: (*src).clone(), tree: true });
            }
        }
        _ => {}
    }
    found
}

/// `-F FILE`, `--body-file FILE`, `--notes-file FILE`, `-f FILE`, `--env-file FILE` (gh).
fn file_options(args: &[String]) -> impl Iterator<Item = String> + '_ {
    let names = ["-F", "--body-file", "--notes-file", "-f", "--env-file", "--template-file"];
    args.iter()
        .enumerate()
        .filter_map(move |(i, a)| {
            if let Some((_, v)) = a.split_once('=').filter(|(n, _)| names.contains(n) && n.starts_with("--"))
            {
                return Some(v.to_owned());
            }
            if names.contains(&a.as_str()) {
                return args.get(i + 1).cloned();
            }
            (a.starts_with("-F") && a.len() > 2 && !a.starts_with("--")).then(|| a[2..].to_owned())
        })
        .filter(|f| f != "-")
}

/// `--env-file FILE`: variables a container (or a compose project) is given from a file.
fn env_files(args: &[String]) -> impl Iterator<Item = String> + '_ {
    args.iter().enumerate().filter_map(|(i, a)| match a.strip_prefix("--env-file") {
        Some("") => args.get(i + 1).cloned(),
        Some(v) => v.strip_prefix('=').map(str::to_owned),
        None => None,
    })
}

/// The host directories `-v HOST:CTR`, `--volume`, `--mount type=bind,source=HOST` give a
/// container: it may read everything in them.
fn mounts(args: &[String]) -> Vec<Upload> {
    // Read: what a container sees may leave with it.
    bind_mounts(args).into_iter().map(|m| Upload { path: m.host, tree: true }).collect()
}

/// A host path given to a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub host: String,
    /// Where the container sees it (empty when not given).
    pub container: String,
    /// `-v H:C:ro`, `--mount …,readonly`: the container cannot write it.
    pub read_only: bool,
}

/// What a container that `docker|podman|nerdctl run|create` starts is given of the host.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ContainerAccess {
    pub mounts: Vec<Mount>,
    /// The host itself, whatever the mounts: `--privileged` (every device, mounts of its own),
    /// the engine's socket mounted (a container that starts containers mounts `/`), the host's
    /// process namespace or `SYS_ADMIN`.
    pub host: bool,
    /// The command the container runs when the call names it (`--entrypoint E`, the words
    /// after the image), with its working directory (`-w`); `None`: the image's own.
    pub command: Option<Vec<String>>,
    pub workdir: Option<String>,
    /// `--volumes-from C`: mounts this line does not show.
    pub volumes_from: bool,
}

/// `run`/`create` options that take no value (every other option takes one, in the next word
/// unless given as `--name=value`); the short ones may be clustered (`-dit`).
const RUN_FLAGS: &[&str] = &[
    "--detach",
    "--interactive",
    "--tty",
    "--publish-all",
    "--rm",
    "--privileged",
    "--init",
    "--read-only",
    "--quiet",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--sig-proxy",
    "--help",
    "--disable-content-trust",
    "--use-api-socket",
    "--replace",
    "--tls-verify",
    // `compose run|exec`.
    "--no-deps",
    "--service-ports",
    "--use-aliases",
    "--build",
    "--remove-orphans",
    "--quiet-pull",
    "--no-TTY",
    // podman's own.
    "--env-host",
    "--no-hosts",
    "--rootfs",
    "--passwd",
    "--read-only-tmpfs",
    "--rmi",
    "--http-proxy",
];
const RUN_SHORT_FLAGS: &str = "ditPqT";

/// [`ContainerAccess`] of a `run`/`create` (also `container run|create`); `None` for any other
/// command. The image's own command is not Ward's to see (an image names it, or the words after
/// the image do, inside the container's file system): what the call is judged by is what the
/// container is given.
pub(crate) fn container_access(program: &str, args: &[String]) -> Option<ContainerAccess> {
    if !matches!(program, "docker" | "podman" | "nerdctl") {
        return None;
    }
    let at = args.iter().position(|a| !a.starts_with('-'))?;
    let mut rest = &args[at + 1..];
    match args[at].as_str() {
        "run" | "create" => {}
        "container" if matches!(rest.first().map(String::as_str), Some("run" | "create")) => {
            rest = &rest[1..]
        }
        _ => return None,
    }
    let mounts = bind_mounts(rest);
    let socket = |host: &str| {
        let name = host.rsplit('/').next().unwrap_or(host);
        name.ends_with(".sock")
            && ["docker", "podman", "containerd", "buildkitd"].iter().any(|e| name.contains(e))
    };
    let options = container_options(rest);
    let host = options.host || mounts.iter().any(|m| socket(&m.host));
    let (image_at, entrypoint, workdir, volumes_from) =
        (options.name_at, options.entrypoint, options.workdir, options.volumes_from);
    // The words after the image are the command (with `--entrypoint`, its arguments).
    let command = image_at.and_then(|at| {
        let after: Vec<String> = rest.get(at + 1..).unwrap_or_default().to_vec();
        match entrypoint {
            Some(entry) if !entry.is_empty() => Some(std::iter::once(entry).chain(after).collect()),
            _ if after.is_empty() => None,
            _ => Some(after),
        }
    });
    Some(ContainerAccess { mounts, host, command, workdir, volumes_from })
}

/// What `run`/`create`/`exec` options (and `compose run|exec`'s) say: where the image (or
/// container, or service) name is, `--entrypoint`, `-w`, and whether the host itself is given.
struct ContainerOptions {
    name_at: Option<usize>,
    /// `--volumes-from C`: another container's mounts, not on this line.
    volumes_from: bool,
    entrypoint: Option<String>,
    workdir: Option<String>,
    host: bool,
}

fn container_options(rest: &[String]) -> ContainerOptions {
    let mut volumes_from = false;
    let mut host = false;
    let mut entrypoint = None;
    let mut workdir = None;
    let mut image_at = None;
    let mut index = 0;
    while let Some(word) = rest.get(index) {
        index += 1;
        let text = super::plain(word);
        if text == "--" {
            image_at = Some(index);
            break;
        }
        if !text.starts_with('-') || text == "-" {
            image_at = Some(index - 1);
            break;
        }
        let (name, inline) = match text.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (text, None),
        };
        let is_flag = if name.starts_with("--") {
            RUN_FLAGS.contains(&name)
        } else {
            name.len() >= 2 && name[1..].chars().all(|c| RUN_SHORT_FLAGS.contains(c))
        };
        // `-w/src`, `-eX=1`: a short option with its value attached.
        let attached = !name.starts_with("--") && name.len() > 2 && !is_flag;
        let value = if is_flag {
            inline
        } else if attached {
            name.get(2..).map(str::to_owned)
        } else {
            inline.or_else(|| {
                index += 1;
                rest.get(index - 1).map(|w| super::plain(w).to_owned())
            })
        };
        let option = if name.starts_with("--") { name } else { name.get(..2).unwrap_or(name) };
        match option {
            "--privileged" => host |= value.as_deref() != Some("false"),
            "--pid" | "--ipc" | "--userns" | "--cgroupns" | "--uts" => {
                host |= value.as_deref() == Some("host")
            }
            "--cap-add" => {
                host |= value.is_some_and(|v| {
                    v.split(',').any(|c| {
                        let c = c.to_ascii_uppercase();
                        matches!(
                            c.trim_start_matches("CAP_"),
                            "ALL" | "SYS_ADMIN" | "SYS_MODULE" | "SYS_PTRACE" | "DAC_READ_SEARCH"
                        )
                    })
                })
            }
            "--security-opt" => {
                host |= value.is_some_and(|v| {
                    let v = v.replace(':', "=");
                    v == "apparmor=unconfined" || v == "seccomp=unconfined"
                })
            }
            "--entrypoint" => entrypoint = value,
            "--volumes-from" => volumes_from = true,
            "-w" | "--workdir" => workdir = value,
            _ => {}
        }
    }
    ContainerOptions { name_at: image_at, volumes_from, entrypoint, workdir, host }
}

/// The command run in a container that already exists or that a compose file describes:
/// `docker|podman|nerdctl exec [OPTS] CONTAINER CMD…`, `docker compose run|exec [OPTS] SERVICE
/// CMD…` (also `docker-compose`, `podman-compose`). Its mounts are not on this command line, so
/// any file it changes may be the host's. `None` when no command is named.
pub(crate) fn command_in_container(program: &str, args: &[String]) -> Option<Vec<String>> {
    if !matches!(program, "docker" | "podman" | "nerdctl" | "docker-compose" | "podman-compose") {
        return None;
    }
    let words: Vec<&str> = args.iter().map(|a| super::plain(a)).collect();
    let rest = match program {
        "docker" | "podman" | "nerdctl" => {
            let at = words.iter().position(|w| !w.starts_with('-'))?;
            match (words[at], words.get(at + 1).copied()) {
                ("exec", _) => &args[at + 1..],
                ("container", Some("exec")) => &args[at + 2..],
                ("compose", _) => {
                    let verb = words[at + 1..].iter().position(|w| matches!(*w, "run" | "exec"))?;
                    &args[at + 2 + verb..]
                }
                _ => return None,
            }
        }
        "docker-compose" | "podman-compose" => {
            let verb = words.iter().position(|w| matches!(*w, "run" | "exec"))?;
            &args[verb + 1..]
        }
        _ => return None,
    };
    let options = container_options(rest);
    let after = rest.get(options.name_at? + 1..).unwrap_or_default().to_vec();
    match options.entrypoint {
        Some(entry) if !entry.is_empty() => Some(std::iter::once(entry).chain(after).collect()),
        _ if after.is_empty() => None,
        _ => Some(after),
    }
}

/// `docker|podman|nerdctl cp CONTAINER:SRC DST`, `kubectl|oc cp POD:SRC DST`: the host path a
/// copy out of a container writes (`-`, standard output, is none).
pub(crate) fn copied_out(program: &str, args: &[String]) -> Option<String> {
    if !matches!(program, "docker" | "podman" | "nerdctl" | "kubectl" | "oc") {
        return None;
    }
    let words: Vec<&str> = args.iter().map(|a| super::plain(a)).collect();
    let at = match program {
        "docker" | "podman" | "nerdctl" => words.iter().position(|w| !w.starts_with('-'))?,
        "kubectl" | "oc" => words.iter().position(|w| *w == "cp")?,
        _ => return None,
    };
    if words[at] != "cp" {
        return None;
    }
    let mut operands = Vec::new();
    let mut i = at + 1;
    while let Some(word) = words.get(i) {
        i += 1;
        if word.starts_with('-') && *word != "-" {
            // kubectl's options with a value in the next word; docker's `cp` options are flags.
            if matches!(
                *word,
                "-c" | "--container" | "-n" | "--namespace" | "--retries" | "--context" | "--kubeconfig"
            ) {
                i += 1;
            }
            continue;
        }
        operands.push(i - 1);
    }
    let [src, dst] = operands[..] else { return None };
    (words[src].contains(':') && !words[dst].contains(':') && words[dst] != "-").then(|| args[dst].clone())
}

/// The bind mounts of `run`/`create` options: `-v HOST:CTR[:OPTS]`, `-vHOST:CTR`,
/// `--volume[=]…`, `--mount[=]type=bind,source=HOST[,readonly]`. A named volume (`data:/x`) and
/// a `tmpfs` are no host path.
pub(crate) fn bind_mounts(args: &[String]) -> Vec<Mount> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        let (name, inline) = match a.split_once('=').filter(|(n, _)| n.starts_with("--")) {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None if a.starts_with("-v") && a.len() > 2 && !a.starts_with("--") => {
                ("-v".to_owned(), Some(a[2..].to_owned()))
            }
            None => (a.clone(), None),
        };
        if !matches!(name.as_str(), "-v" | "--volume" | "--mount") {
            continue;
        }
        let Some(value) = inline.or_else(|| {
            i += 1;
            args.get(i - 1).cloned()
        }) else {
            continue;
        };
        // A value only known at run time (`-v "$PWD":/w`) keeps its mark, so the caller knows
        // the host path is not known; it may be any path, so it is not taken for a volume name.
        let text = super::plain(&value);
        let marker = &value[..value.len() - text.len()];
        let (host, container, read_only) = if name == "--mount" {
            let fields: Vec<&str> = text.split(',').collect();
            let field = |names: &[&str]| {
                fields.iter().find_map(|kv| names.iter().find_map(|n| kv.strip_prefix(n)?.strip_prefix('=')))
            };
            let read_only = fields.iter().any(|kv| {
                matches!(*kv, "readonly" | "ro" | "readonly=true" | "ro=true" | "readonly=1" | "ro=1")
            });
            (field(&["source", "src"]), field(&["target", "destination", "dst"]), read_only)
        } else {
            let mut parts = text.split(':');
            let host = parts.next();
            let container = parts.next();
            let options = parts.next().unwrap_or_default();
            (host, container, options.split(',').any(|o| o == "ro" || o == "readonly"))
        };
        if let Some(host) = host.filter(|h| !marker.is_empty() || h.starts_with(['/', '~', '.', '$'])) {
            let container = container.unwrap_or_default().to_owned();
            found.push(Mount { host: format!("{marker}{host}"), container, read_only });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::uploads;

    fn paths(program: &str, args: &[&str]) -> Vec<(String, bool)> {
        uploads(program, &args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
            .into_iter()
            .map(|u| (u.path, u.tree))
            .collect()
    }

    #[test]
    fn what_a_container_is_given() {
        use super::{container_access, ContainerAccess, Mount};
        let access = |args: &[&str]| {
            container_access("docker", &args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
        };
        let mount = |host: &str, container: &str, read_only| Mount {
            host: host.to_owned(),
            container: container.to_owned(),
            read_only,
        };
        assert_eq!(
            access(&["run", "--rm", "-v", ".:/w", "-v", "~/.m2:/root/.m2:ro,z", "alpine", "true"]),
            Some(ContainerAccess {
                mounts: vec![mount(".", "/w", false), mount("~/.m2", "/root/.m2", true)],
                host: false,
                command: Some(vec!["true".to_owned()]),
                workdir: None,
                volumes_from: false,
            })
        );
        assert_eq!(
            access(&[
                "container",
                "create",
                "--mount=type=bind,src=/srv,dst=/s,readonly",
                "-v/tmp:/t",
                "img"
            ]),
            Some(ContainerAccess {
                mounts: vec![mount("/srv", "/s", true), mount("/tmp", "/t", false)],
                host: false,
                command: None,
                workdir: None,
                volumes_from: false,
            })
        );
        // A named volume and a tmpfs are no host path.
        assert_eq!(
            access(&["run", "-v", "data:/d", "--mount", "type=tmpfs,dst=/t", "img"]).unwrap().mounts,
            vec![]
        );
        for host in [
            &["run", "--privileged", "img"][..],
            &["run", "--privileged=true", "img"],
            &["run", "-v", "/var/run/docker.sock:/var/run/docker.sock", "img"],
            &["run", "-v", "/run/podman/podman.sock:/s", "img"],
            &["run", "--pid=host", "img"],
            &["run", "--pid", "host", "img"],
            &["run", "--cap-add", "sys_admin", "img"],
            &["run", "--cap-add=CAP_SYS_ADMIN,NET_ADMIN", "img"],
            &["run", "--security-opt", "apparmor=unconfined", "img"],
        ] {
            assert!(access(host).unwrap().host, "{host:?}");
        }
        for not_host in [
            &["run", "--privileged=false", "img"][..],
            &["run", "img", "--privileged"],
            &["run", "--cap-add", "NET_ADMIN", "img"],
        ] {
            assert!(!access(not_host).unwrap().host, "{not_host:?}");
        }
        // Other commands start no container.
        assert_eq!(access(&["ps", "-a"]), None);
        assert_eq!(access(&["exec", "c", "sh"]), None);
        assert_eq!(container_access("ls", &["run".to_owned()]), None);
    }

    #[test]
    fn copies_out_of_containers_and_commands_in_them() {
        use super::{command_in_container, copied_out};
        let words = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(
            copied_out("docker", &words(&["cp", "c:/x", ".git/hooks/pre-commit"])).as_deref(),
            Some(".git/hooks/pre-commit")
        );
        assert_eq!(copied_out("podman", &words(&["cp", "-a", "c:/x", "out"])).as_deref(), Some("out"));
        assert_eq!(
            copied_out("kubectl", &words(&["-n", "ns", "cp", "-c", "app", "pod:/x", "y"])).as_deref(),
            Some("y")
        );
        assert_eq!(
            copied_out("docker", &words(&["cp", "local", "c:/x"])),
            None,
            "a copy in writes the container"
        );
        assert_eq!(copied_out("docker", &words(&["cp", "c:/x", "-"])), None, "standard output");
        assert_eq!(copied_out("docker", &words(&["ps"])), None);

        let command = |program: &str, args: &[&str]| command_in_container(program, &words(args));
        assert_eq!(
            command("docker", &["exec", "-it", "-w", "/w", "c", "rm", "x"]),
            Some(words(&["rm", "x"]))
        );
        assert_eq!(command("docker", &["container", "exec", "c", "ls"]), Some(words(&["ls"])));
        assert_eq!(
            command(
                "docker",
                &["compose", "-f", "x.yml", "run", "--rm", "-e", "A=1", "app", "sh", "-c", "id"]
            ),
            Some(words(&["sh", "-c", "id"]))
        );
        assert_eq!(command("docker-compose", &["exec", "-T", "app", "pytest"]), Some(words(&["pytest"])));
        assert_eq!(
            command("docker", &["compose", "run", "--entrypoint", "sh", "app", "-c", "id"]),
            Some(words(&["sh", "-c", "id"]))
        );
        assert_eq!(command("docker", &["compose", "up", "-d"]), None);
        assert_eq!(command("docker", &["exec", "c"]), None);
    }

    #[test]
    fn files_sent_off() {
        let read = |p: &str| vec![(p.to_owned(), false)];
        assert_eq!(
            paths("gh", &["gist", "create", "--public", "~/.aws/credentials"]),
            read("~/.aws/credentials")
        );
        assert_eq!(paths("gh", &["release", "upload", "v1", "k#key"]), read("k"));
        assert_eq!(
            paths("gh", &["api", "/gists", "-F", "files[a][content]=@/h/.ssh/id_rsa"]),
            read("/h/.ssh/id_rsa")
        );
        assert_eq!(paths("gh", &["api", "--input=f.json", "/x"]), read("f.json"));
        assert_eq!(paths("gh", &["issue", "create", "-t", "x", "-F", "/h/.env"]), read("/h/.env"));
        assert_eq!(paths("gh", &["pr", "comment", "1", "--body-file=/h/.env"]), read("/h/.env"));
        assert_eq!(paths("gh", &["secret", "set", "-f", ".env"]), read(".env"));
        assert_eq!(paths("gh", &["ssh-key", "add", "/h/.ssh/id_rsa"]), read("/h/.ssh/id_rsa"));
        assert_eq!(paths("docker", &["run", "--env-file", "/h/.env", "alpine"]), read("/h/.env"));
        assert_eq!(paths("docker", &["compose", "--env-file=/h/.env", "up"]), read("/h/.env"));
        assert!(paths("gh", &["issue", "create", "-t", "x", "-b", "y"]).is_empty());
        assert_eq!(
            paths("docker", &["cp", "~/.ssh/id_rsa", "c:/x"]),
            vec![("~/.ssh/id_rsa".to_owned(), true)]
        );
        assert_eq!(
            paths("kubectl", &["cp", "~/.ssh/id_rsa", "pod:/x"]),
            vec![("~/.ssh/id_rsa".to_owned(), true)]
        );
        assert_eq!(
            paths("docker", &["run", "--rm", "-v", "~/.aws:/a", "alpine", "true"]),
            vec![("~/.aws".to_owned(), true)]
        );
        assert_eq!(
            paths("podman", &["run", "--mount=type=bind,source=/h/.ssh,target=/k", "alpine"]),
            vec![("/h/.ssh".to_owned(), true)]
        );
        // Nothing local is sent.
        assert!(paths("gh", &["pr", "create", "--fill"]).is_empty());
        assert!(paths("gh", &["api", "/repos/x/y", "-f", "body=@me"]).is_empty());
        assert!(paths("docker", &["cp", "c:/x", "./out"]).is_empty());
        assert!(paths("docker", &["run", "-v", "data:/var/lib/x", "img"]).is_empty());
        assert!(paths("docker", &["build", "-t", "x", "."]).is_empty());
    }
}
