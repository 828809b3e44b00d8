//! Whether a catalog file can be where it is asked to be: a path that is a folder, a folder on
//! the way that is a file, a folder this user cannot write. The server (opening the catalog)
//! and `doctor` (checking it) ask this one function, so they say the same thing and the same
//! fix.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The fix every catalog problem also has.
pub const ELSEWHERE: &str = "choose another file with --catalog / BROWSER_TASKS_CATALOG";

/// Why the catalog cannot be at a path, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceProblem {
    /// What is wrong, naming the path at fault.
    pub problem: String,
    /// What fixes it.
    pub fix: String,
}

/// Why the catalog file `path` cannot be used or created where it is, if that is the trouble
/// (`None` when the place is fine: an existing file's own contents are another matter).
pub fn place_problem(path: &Path) -> Option<PlaceProblem> {
    place_problem_with(path, &probe_writable)
}

/// [`place_problem`], with `probe` telling whether this user can create a file in a folder.
pub(super) fn place_problem_with(
    path: &Path,
    probe: &dyn Fn(&Path) -> std::io::Result<()>,
) -> Option<PlaceProblem> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Some(PlaceProblem {
                problem: format!("{} is a folder, not a file", path.display()),
                fix: format!(
                    "name a file, e.g. --catalog {}, or {ELSEWHERE}",
                    path.join("catalog.sqlite3").display()
                ),
            });
        }
        Ok(_) => return None,
        Err(_) => {}
    }
    // The file does not exist yet: the server creates the missing folders, then the file, in
    // the nearest folder that exists.
    for ancestor in path.ancestors().skip(1) {
        let ancestor = if ancestor.as_os_str().is_empty() {
            Path::new(".")
        } else {
            ancestor
        };
        match std::fs::metadata(ancestor) {
            Ok(meta) if meta.is_dir() => {
                return probe(ancestor).err().map(|error| PlaceProblem {
                    problem: format!(
                        "{} cannot be created: this user cannot create files in {} ({error})",
                        path.display(),
                        ancestor.display()
                    ),
                    fix: format!(
                        "let this user write {} (e.g. chmod u+w {}), or {ELSEWHERE}",
                        ancestor.display(),
                        ancestor.display()
                    ),
                });
            }
            Ok(_) => {
                return Some(PlaceProblem {
                    problem: format!(
                        "{} cannot be created: {} is a file, not a folder",
                        path.display(),
                        ancestor.display()
                    ),
                    fix: format!(
                        "move {} aside (it is not the catalog), or {ELSEWHERE}",
                        ancestor.display()
                    ),
                });
            }
            // Not there (or under a file, met further up): look further up.
            Err(error)
                if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) =>
            {
                continue;
            }
            Err(error) => {
                return Some(PlaceProblem {
                    problem: format!(
                        "{} cannot be created: {} cannot be read ({error})",
                        path.display(),
                        ancestor.display()
                    ),
                    fix: format!("let this user read {}, or {ELSEWHERE}", ancestor.display()),
                });
            }
        }
    }
    Some(PlaceProblem {
        problem: format!("no folder of {} exists", path.display()),
        fix: ELSEWHERE.to_string(),
    })
}

/// Create a file in `dir` and remove it again.
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe: PathBuf = dir.join(format!(
        ".browser-tasks-mcp-probe-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writable(_: &Path) -> std::io::Result<()> {
        Ok(())
    }

    fn read_only(_: &Path) -> std::io::Result<()> {
        Err(std::io::Error::from(ErrorKind::PermissionDenied))
    }

    #[test]
    fn a_place_that_works_is_no_problem() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("deeper").join("catalog.sqlite3");
        assert_eq!(place_problem_with(&file, &writable), None);
        assert_eq!(place_problem(&file), None);
        assert!(
            !dir.path().join("deeper").exists(),
            "the check created a folder"
        );
        let existing = dir.path().join("there.sqlite3");
        std::fs::write(&existing, "").unwrap();
        assert_eq!(place_problem_with(&existing, &read_only), None);
    }

    #[test]
    fn a_file_on_the_way_is_named_with_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("notes");
        std::fs::write(&blocker, "x").unwrap();
        let found = place_problem(&blocker.join("sub").join("catalog.sqlite3")).unwrap();
        assert!(
            found
                .problem
                .ends_with(&format!("{} is a file, not a folder", blocker.display())),
            "{found:?}"
        );
        assert!(
            found
                .fix
                .starts_with(&format!("move {} aside", blocker.display()))
        );
        assert!(found.fix.contains("--catalog"));
    }

    #[test]
    fn a_folder_this_user_cannot_write_says_so_and_not_to_move_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new").join("catalog.sqlite3");
        let found = place_problem_with(&file, &read_only).unwrap();
        assert!(
            found.problem.contains(&format!(
                "this user cannot create files in {}",
                dir.path().display()
            )),
            "{found:?}"
        );
        assert_eq!(
            found.fix,
            format!(
                "let this user write {0} (e.g. chmod u+w {0}), or {ELSEWHERE}",
                dir.path().display()
            )
        );
        assert!(!found.fix.contains("aside"), "{found:?}");
    }

    #[test]
    fn a_folder_given_as_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let found = place_problem(dir.path()).unwrap();
        assert!(
            found.problem.ends_with("is a folder, not a file"),
            "{found:?}"
        );
        assert!(found.fix.contains("catalog.sqlite3"), "{found:?}");
    }
}
