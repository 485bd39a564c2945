#!/usr/bin/env python3
"""Build the synthetic large machine that scripts/bench/scan.sh times `ward scan` on.

Layout (under OUT):
  home/    500 editor extensions (VS Code, Cursor, Windsurf) with realistic package.json,
           50 MCP servers across Cursor, Claude Code, Gemini CLI, Codex and project configs,
           100 skills (user and project), credential files, and ~100k unrelated files in
           nested directories (caches, documents, project sources, node_modules, non-repo
           folders under ~/src that project discovery has to walk through).
  home/src 10 git repositories (with .git/, .env, .mcp.json, .claude/ settings and skills),
           plus non-repository folders, as `--projects` sees them.
  system/  managed files root (empty /etc/… dirs), passed as WARD_SYSTEM_ROOT.

Deterministic: the same tree on every run. Usage: gen_scan_tree.py OUT
"""

import json
import os
import random
import sys

TARGET_UNRELATED = 100_000


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def extensions(home, rng):
    publishers = ["ms-python", "esbenp", "dbaeumer", "redhat", "golang", "rust-lang", "github",
                  "eamodio", "ms-vscode", "hashicorp", "ms-azuretools", "vscodevim", "bradlc",
                  "continue", "saoudrizwan", "anthropic", "google", "amazonwebservices"]
    roots = [(".vscode/extensions", 300), (".cursor/extensions", 150), (".windsurf/extensions", 50)]
    n = 0
    for root, count in roots:
        listing = []
        for i in range(count):
            pub = publishers[(n + i) % len(publishers)]
            name = f"ext-{n:03d}"
            ver = f"{rng.randint(0, 5)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
            folder = f"{pub}.{name}-{ver}"
            contributes = {
                "commands": [{"command": f"{name}.run{j}", "title": f"Run {j}"} for j in range(5)],
                "configuration": {"properties": {f"{name}.opt{j}": {"type": "boolean", "default": False}
                                                 for j in range(8)}},
            }
            if n % 25 == 0:
                contributes["mcpServerDefinitionProviders"] = [{"id": f"{name}.mcp", "label": name}]
            if n % 40 == 0:
                contributes["languageModelTools"] = [{"name": f"{name}_tool", "displayName": "Tool"}]
            pkg = {
                "name": name, "displayName": f"Extension {n}", "publisher": pub, "version": ver,
                "description": "A synthetic extension for the scan benchmark. " * 3,
                "engines": {"vscode": "^1.90.0"}, "main": "./out/extension.js",
                "activationEvents": ["onStartupFinished"], "categories": ["Other"],
                "repository": {"type": "git", "url": f"https://github.com/{pub}/{name}"},
                "contributes": contributes,
                "dependencies": {f"dep-{j}": f"^{j}.0.0" for j in range(10)},
            }
            d = os.path.join(home, root, folder)
            write(os.path.join(d, "package.json"), json.dumps(pkg, indent=2))
            write(os.path.join(d, "README.md"), f"# {name}\n")
            write(os.path.join(d, "out/extension.js"), "module.exports = {};\n")
            listing.append({"identifier": {"id": f"{pub}.{name}"}, "version": ver,
                            "relativeLocation": folder})
            n += 1
        write(os.path.join(home, root, "extensions.json"), json.dumps(listing))
    return n * 3 + 3


def mcp_entry(i):
    if i % 5 == 0:
        return {"url": f"https://mcp{i}.example.com/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}}
    entry = {"command": "npx", "args": ["-y", f"@example/mcp-server-{i}@1.{i}.0"],
             "env": {"API_TOKEN": "${API_TOKEN}", "LOG_LEVEL": "info"}}
    if i % 7 == 0:
        entry["env"]["GITHUB_TOKEN"] = "ghp_" + "x" * 36
    return entry


def mcp_servers(home, projects):
    files = 0
    i = 0

    def servers(k):
        nonlocal i
        out = {}
        for _ in range(k):
            out[f"server-{i}"] = mcp_entry(i)
            i += 1
        return out

    write(os.path.join(home, ".cursor/mcp.json"), json.dumps({"mcpServers": servers(15)}, indent=2))
    write(os.path.join(home, ".claude.json"),
          json.dumps({"numStartups": 12, "mcpServers": servers(10), "projects": {}}, indent=2))
    write(os.path.join(home, ".gemini/settings.json"), json.dumps({"mcpServers": servers(10)}, indent=2))
    toml = []
    for name, e in servers(10).items():
        toml.append(f"[mcp_servers.{name}]")
        if "url" in e:
            toml.append(f'url = "{e["url"]}"')
        else:
            toml.append(f'command = "{e["command"]}"')
            toml.append("args = [" + ", ".join(f'"{a}"' for a in e["args"]) + "]")
        toml.append("")
    write(os.path.join(home, ".codex/config.toml"), 'model = "gpt-5"\n\n' + "\n".join(toml))
    files += 4
    for p in projects[:5]:
        write(os.path.join(p, ".mcp.json"), json.dumps({"mcpServers": servers(1)}, indent=2))
        files += 1
    return files


def skill(path, name):
    write(os.path.join(path, name, "SKILL.md"),
          f"---\nname: {name}\ndescription: Synthetic skill {name} for the scan benchmark.\n---\n\n"
          f"# {name}\n\nSteps the agent follows.\n")


def skills(home, projects):
    for i in range(60):
        skill(os.path.join(home, ".claude/skills"), f"user-skill-{i}")
    for i in range(20):
        skill(os.path.join(home, ".codex/skills"), f"codex-skill-{i}")
    for i in range(20):
        skill(os.path.join(projects[i % len(projects)], ".claude/skills"), f"project-skill-{i}")
    return 100


def credentials(home):
    write(os.path.join(home, ".aws/credentials"),
          "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = examplekey\n")
    write(os.path.join(home, ".ssh/id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
          "-----END OPENSSH PRIVATE KEY-----\n")
    write(os.path.join(home, ".ssh/id_ed25519.pub"), "ssh-ed25519 AAAA bench\n")
    write(os.path.join(home, ".config/gh/hosts.yml"), "github.com:\n    oauth_token: gho_example\n")
    write(os.path.join(home, ".npmrc"), "//registry.npmjs.org/:_authToken=npm_example\n")
    write(os.path.join(home, ".claude/settings.json"),
          json.dumps({"permissions": {"deny": ["Read(./.env)"]},
                      "hooks": {"PreToolUse": [{"matcher": "Bash",
                                                "hooks": [{"type": "command", "command": "ward hook claude-code"}]}]}}))
    return 6


def project(root, i):
    write(os.path.join(root, ".git/HEAD"), "ref: refs/heads/main\n")
    write(os.path.join(root, ".git/config"),
          f'[remote "origin"]\n\turl = https://github.com/acme/project-{i}.git\n')
    write(os.path.join(root, ".gitignore"), "node_modules/\n.env.local\n")
    write(os.path.join(root, ".env"), "DATABASE_URL=postgres://app:pw@db/app\nLOG_LEVEL=debug\n")
    write(os.path.join(root, ".env.local"), "API_KEY=abcdefgh12345678\n")
    write(os.path.join(root, "package.json"), json.dumps({"name": f"project-{i}", "version": "1.0.0"}))
    write(os.path.join(root, ".claude/settings.json"), json.dumps({"permissions": {"allow": ["Bash(npm test)"]}}))
    write(os.path.join(root, "AGENTS.md"), "# Agents\n")
    return 8


def unrelated(home, projects, budget, rng):
    """Spread `budget` small files over nested directories: a third in caches and documents,
    a third inside the projects (sources and node_modules), a third in non-repository folders
    under ~/src that project discovery walks (bounded depth) without finding a repository."""
    made = 0
    per_dir = 25

    def fill(base, count, depth):
        nonlocal made
        d = 0
        while count > 0:
            parts = [f"d{(d // (8 ** k)) % 8}" for k in range(depth)]
            path = os.path.join(base, *parts)
            os.makedirs(path, exist_ok=True)
            for f in range(min(per_dir, count)):
                with open(os.path.join(path, f"file{f}.txt"), "w") as fh:
                    fh.write("x\n")
                count -= 1
                made += 1
            d += 1

    third = budget // 3
    fill(os.path.join(home, ".cache/thing"), third // 2, 3)
    fill(os.path.join(home, "Documents/archive"), third - third // 2, 3)
    per_project = third // len(projects)
    for p in projects:
        fill(os.path.join(p, "src"), per_project // 2, 3)
        fill(os.path.join(p, "node_modules"), per_project - per_project // 2, 3)
    fill(os.path.join(home, "src/misc/old-notes"), budget - made, 4)
    return made


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_scan_tree.py OUT")
    out = sys.argv[1]
    home = os.path.join(out, "home")
    rng = random.Random(42)
    os.makedirs(os.path.join(out, "system/etc"), exist_ok=True)
    projects = [os.path.join(home, "src", "work" if i % 2 else "oss", f"project-{i}") for i in range(10)]
    files = 0
    files += sum(project(p, i) for i, p in enumerate(projects))
    files += extensions(home, rng)
    files += mcp_servers(home, projects)
    files += skills(home, projects)
    files += credentials(home)
    made = unrelated(home, projects, TARGET_UNRELATED, rng)
    print(f"built {out}: 500 extensions, 50 MCP servers, 100 skills, 10 projects, "
          f"{made} unrelated files (+{files} relevant)")


if __name__ == "__main__":
    main()
