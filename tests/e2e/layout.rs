//! The layering the project keeps, checked on the source: outside a provider's own folder, at
//! most five source files name that provider in code (registration and configuration), so a
//! new cloud is a folder plus a few lines elsewhere.

use std::path::{Path, PathBuf};

/// The source of `text` without comments and `#[cfg(test)] mod … { … }` blocks.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // `#[cfg(test)]` then, on the next line, `mod name {` (not `mod name;`).
        let next_line = after.split('\n').nth(1).map(str::trim).unwrap_or_default();
        let inline_module = next_line.starts_with("mod ") && next_line.ends_with('{');
        if !inline_module {
            out.push_str("#[cfg(test)]");
            rest = &after["#[cfg(test)]".len()..];
            continue;
        }
        let open = after.find('{').unwrap();
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                sources(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            found.push(path);
        }
    }
}

#[test]
fn outside_its_folder_at_most_five_files_name_a_provider() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    for (folder, names) in [
        ("anchor", &["anchor"][..]),
        (
            "browser_use",
            &["browser_use", "browseruse", "browser use"][..],
        ),
    ] {
        let own = root.join("providers").join(folder);
        let naming: Vec<String> = files
            .iter()
            .filter(|path| !path.starts_with(&own))
            .filter(|path| {
                let code = code_of(&std::fs::read_to_string(path).unwrap()).to_lowercase();
                names.iter().any(|name| code.contains(name))
            })
            .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        assert!(
            naming.len() <= 5,
            "{folder}: {} files outside src/providers/{folder}/ name it: {naming:?}",
            naming.len()
        );
        // The check can fail: the provider's own folder names it everywhere.
        assert!(
            files
                .iter()
                .filter(|path| path.starts_with(&own))
                .any(|path| code_of(&std::fs::read_to_string(path).unwrap())
                    .to_lowercase()
                    .contains(names[0])),
            "{folder}: the check found no mention even in the provider's own folder"
        );
    }
}

#[test]
fn comments_and_test_modules_are_not_code() {
    let text = "fn a() {} // anchor\n#[cfg(test)]\nmod tests {\n    fn anchor() {}\n}\nfn b() {}\n";
    let code = code_of(text);
    assert!(!code.contains("anchor"), "{code}");
    assert!(code.contains("fn b()"), "{code}");
}
