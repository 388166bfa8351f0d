//! Dependencies run one way: no module of `src/` or `emulator/src/` uses a module that uses it
//! back, directly or through others. A module's dependencies are the `crate::name` paths in
//! its source (a directory module counts as one, its submodules included).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name → the modules it uses, for the crate whose root is `dir`.
fn graph(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["lib", "main"].contains(&name.as_str()) {
            continue;
        }
        let mut text = String::new();
        let files: Vec<_> = if path.is_dir() {
            std::fs::read_dir(&path)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![path]
        };
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        {
            text.push_str(&std::fs::read_to_string(file).unwrap());
        }
        modules.insert(name, text);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| {
            let uses = crate_paths(text)
                .into_iter()
                .filter(|used| used != name && names.contains(used))
                .collect();
            (name.clone(), uses)
        })
        .collect()
}

/// The first segment of every `crate::` path in a source text, grouped imports included
/// (`use crate::{a, b::c}` names `a` and `b`).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                // Top-level items of the group: split at commas outside nested braces.
                let mut depth = 0;
                let mut start = 0;
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            found.insert(ident(&group[start..j]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.insert(ident(&group[start..j]));
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
            }
            None => {
                found.insert(ident(rest));
            }
        }
    }
    found
}

/// A cycle, if the graph has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

#[test]
fn dependencies_run_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["src", "emulator/src"] {
        let g = graph(&root.join(dir));
        assert!(g.len() > 5, "{dir}: modules found");
        if let Some(found) = cycle(&g) {
            panic!("{dir}: a dependency circle: {}", found.join(" -> "));
        }
        if std::env::var_os("OC_PRINT_GRAPH").is_some() {
            for (module, uses) in &g {
                let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
                println!("{dir}: {module} -> {}", uses.join(", "));
            }
        }
    }
}
