//! `manifest/plugin.json` against `manifest/plugin.schema.json`: the bundled manifest is valid,
//! the schema agrees with the Rust types, and the mistakes an integrator is likely to make are
//! refused with an error pointing at the offending field.
#![cfg(not(target_arch = "wasm32"))]

use crm_sidebar::protocol::{Manifest, View, MANIFEST_JSON, PROTOCOL};
use crm_sidebar::wire::Entity;
use jsonschema::Validator;
use serde_json::{json, Value};

const SCHEMA_JSON: &str = include_str!("../manifest/plugin.schema.json");

fn schema() -> Value {
    serde_json::from_str(SCHEMA_JSON).expect("plugin.schema.json is JSON")
}

fn validator() -> Validator {
    jsonschema::draft202012::new(&schema()).expect("plugin.schema.json compiles")
}

fn bundled() -> Value {
    serde_json::from_str(MANIFEST_JSON).expect("plugin.json is JSON")
}

/// Every error as `instance path: message`, for assertions and failure output.
fn errors(manifest: &Value) -> Vec<String> {
    validator()
        .iter_errors(manifest)
        .map(|error| format!("{}: {}", error.instance_path.as_str(), error))
        .collect()
}

/// Applies `change` to a copy of the bundled manifest and asserts the schema refuses it with an
/// error at `path` (a JSON pointer into the manifest).
fn assert_rejected(what: &str, path: &str, change: impl FnOnce(&mut Value)) {
    let mut manifest = bundled();
    change(&mut manifest);
    let found = errors(&manifest);
    assert!(
        found
            .iter()
            .any(|error| error.starts_with(&format!("{path}:"))),
        "{what}: expected an error at {path}, got {found:#?}"
    );
}

/// The strings of an `enum` in the schema, found by a JSON pointer.
fn schema_enum(pointer: &str) -> Vec<String> {
    schema()
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no enum at {pointer}"))
        .iter()
        .map(|value| value.as_str().expect("enum of strings").to_owned())
        .collect()
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema).expect("meta-schema validation");
}

#[test]
fn the_bundled_manifest_is_valid() {
    let found = errors(&bundled());
    assert!(found.is_empty(), "manifest/plugin.json: {found:#?}");
    // And the code reads it the same way.
    let manifest = Manifest::bundled();
    assert_eq!(manifest.id, bundled()["id"]);
    assert!(!manifest.allowed_host_origins.is_empty());
}

#[test]
fn the_schema_agrees_with_the_protocol_types() {
    assert_eq!(schema()["properties"]["protocol"]["const"], PROTOCOL);
    let views = schema_enum("/$defs/viewMount/properties/view/enum");
    assert_eq!(views.len(), 6, "one enum value per View variant");
    for view in &views {
        assert!(
            View::parse(view).is_some(),
            "view '{view}' is not a protocol::View"
        );
    }
    let entities = schema_enum("/$defs/viewMount/properties/entities/items/enum");
    let known: Vec<&str> = Entity::ALL.iter().map(|entity| entity.as_str()).collect();
    assert_eq!(entities, known);
}

#[test]
fn host_origins_must_be_bare_origins_or_leading_wildcard_patterns() {
    for (what, origin) in [
        ("a path", "http://127.0.0.1:8788/crm"),
        ("a trailing slash", "http://127.0.0.1:8788/"),
        ("a query", "https://crm.example.com?x=1"),
        ("no scheme", "crm.example.com"),
        ("a bare wildcard", "*"),
        ("a pattern without a scheme", "*.crm.dynamics.com"),
        ("a scheme and a bare wildcard", "https://*"),
        ("a pattern for a whole top-level domain", "https://*.com"),
        ("a wildcard inside the host", "https://crm.*.example.com"),
        ("a wildcard inside a label", "https://crm*.example.com"),
        (
            "a pattern with a path",
            "https://*.crm.dynamics.com/main.aspx",
        ),
        (
            "http outside this machine, which anyone on the way can read and change",
            "http://crm.example.com",
        ),
        (
            "an http pattern outside this machine",
            "http://*.crm.dynamics.com",
        ),
        (
            "upper case, which never equals a browser's origin",
            "https://CRM.example.com",
        ),
        ("another scheme", "ftp://crm.example.com"),
        (
            "the default port of https, which a browser's origin leaves out",
            "https://crm.example.com:443",
        ),
        ("the default port of http", "http://crm.example.com:80"),
        ("a port with a leading zero", "http://127.0.0.1:08788"),
    ] {
        assert_rejected(what, "/allowedHostOrigins/0", |manifest| {
            manifest["allowedHostOrigins"][0] = json!(origin);
        });
    }
    assert_rejected("an empty allow-list", "/allowedHostOrigins", |manifest| {
        manifest["allowedHostOrigins"] = json!([]);
    });

    let mut manifest = bundled();
    manifest["allowedHostOrigins"] = json!([
        "https://crm.example.com",
        "http://localhost:3000",
        "http://[::1]:8788",
        "https://*.crm4.dynamics.com",
        "https://*.example.com:8443",
        "http://*.localhost:8788"
    ]);
    assert_eq!(errors(&manifest), Vec::<String>::new());
}

/// The bundled allow-list holds the CRM clouds as patterns, and the code matches them as the
/// schema describes them.
#[test]
fn the_bundled_patterns_allow_the_crm_clouds_and_nothing_around_them() {
    let manifest = Manifest::bundled();
    for origin in [
        "http://127.0.0.1:8788",
        "https://contoso.crm.dynamics.com",
        "https://contoso.crm4.dynamics.com",
        "https://acme.lightning.force.com",
        "https://acme.my.salesforce.com",
    ] {
        assert!(manifest.allows(origin), "{origin}");
    }
    for origin in [
        "https://crm4.dynamics.com",
        "http://contoso.crm4.dynamics.com",
        "https://contoso.crm4.dynamics.com.evil.example",
        "https://acme.lightning.force.com:8443",
        "https://evil.example",
    ] {
        assert!(!manifest.allows(origin), "{origin}");
    }
}

#[test]
fn views_must_be_known() {
    assert_rejected("an unknown view", "/views/0/view", |manifest| {
        manifest["views"][0]["view"] = json!("inbox");
    });
    assert_rejected("an unknown mount", "/views/0/mount", |manifest| {
        manifest["views"][0]["mount"] = json!("footer");
    });
    assert_rejected("an unknown entity", "/views/0/entities/0", |manifest| {
        manifest["views"][0]["entities"] = json!(["opportunity"]);
    });
    assert_rejected(
        "a record view for no entity",
        "/views/0/entities",
        |manifest| {
            manifest["views"][0]["entities"] = json!([]);
        },
    );
}

fn list_view_button(manifest: &Value) -> usize {
    manifest["views"]
        .as_array()
        .unwrap()
        .iter()
        .position(|view| view["mount"] == "listViewButton")
        .expect("the bundled manifest has a listViewButton")
}

#[test]
fn a_list_view_button_needs_a_max_selection_of_at_most_200() {
    let index = list_view_button(&bundled());
    assert_rejected(
        "listViewButton without maxSelection",
        &format!("/views/{index}"),
        |manifest| {
            manifest["views"][index]
                .as_object_mut()
                .unwrap()
                .remove("maxSelection");
        },
    );
    for (what, value) in [
        ("201", json!(201)),
        ("0", json!(0)),
        ("a fraction", json!(2.5)),
    ] {
        assert_rejected(what, &format!("/views/{index}/maxSelection"), |manifest| {
            manifest["views"][index]["maxSelection"] = value;
        });
    }
    assert_rejected("maxSelection on a record sidebar", "/views/0", |manifest| {
        manifest["views"][0]["maxSelection"] = json!(10);
    });
}

#[test]
fn other_fields_are_checked_too() {
    assert_rejected("an unknown top-level field", "", |manifest| {
        manifest["permissions"] = json!(["everything"]);
    });
    assert_rejected("another protocol", "/protocol", |manifest| {
        manifest["protocol"] = json!("crm-sidebar/2");
    });
    assert_rejected("a version that is not semver", "/version", |manifest| {
        manifest["version"] = json!("1.0");
    });
    assert_rejected("an unknown API scope", "/apiScopes/0", |manifest| {
        manifest["apiScopes"][0] = json!("admin:write");
    });
    assert_rejected(
        "a CSP directive given as a string",
        "/csp/default-src",
        |manifest| {
            manifest["csp"]["default-src"] = json!("'self'");
        },
    );
    assert_rejected(
        "frame-ancestors, which the allow-list sets",
        "/csp",
        |manifest| {
            manifest["csp"]["frame-ancestors"] = json!(["*"]);
        },
    );
    assert_rejected("a missing entry URL", "", |manifest| {
        manifest.as_object_mut().unwrap().remove("entryUrl");
    });
}

/// The cargo feature (Cargo.toml) that compiles in what a mount shows: a record button opens the
/// record's page at its Send or Programs tab, a list-view button the action alone.
fn feature_of_mount(mount: &str) -> &'static str {
    match mount {
        "recordSidebar" | "recordButton" => "views-record",
        "listViewButton" => "views-actions",
        "tab" => "views-tab",
        other => panic!("no bundle shows mount {other}"),
    }
}

/// The features a bundle's source page (www/) has Trunk build its wasm with.
fn bundle_features(page: &str) -> Vec<String> {
    let html = std::fs::read_to_string(format!("{}/www/{page}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|error| panic!("www/{page}: {error}"));
    assert!(
        html.contains("data-cargo-no-default-features"),
        "www/{page} builds only the views it names"
    );
    let start = html
        .find("data-cargo-features=\"")
        .unwrap_or_else(|| panic!("www/{page} names its views"))
        + "data-cargo-features=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].split(',').map(str::to_owned).collect()
}

#[test]
fn each_mount_opens_the_bundle_that_has_its_views() {
    let manifest = bundled();
    let entry_url = manifest["entryUrl"].as_str().unwrap();
    let origin = entry_url.trim_end_matches("index.html");
    for view in manifest["views"].as_array().unwrap() {
        let mount = view["mount"].as_str().unwrap();
        let url = manifest["entryUrls"][mount].as_str().unwrap_or(entry_url);
        // The pages `make plugin` builds: www/index.html into dist/, www/tab.html into dist/tab/.
        let page = match url.strip_prefix(origin) {
            Some("index.html") => "index.html",
            Some("tab/index.html") => "tab.html",
            _ => panic!("{mount} opens {url}, which no bundle is built at"),
        };
        let features = bundle_features(page);
        assert!(
            features.iter().any(|f| f == feature_of_mount(mount)),
            "{mount} ({}) opens www/{page}, built with {features:?}",
            view["view"]
        );
    }
    assert_eq!(
        manifest["entryUrls"]["tab"],
        json!(format!("{origin}tab/index.html")),
        "the tab's page, as the demo's sidebar-host.js opens it"
    );
}

#[test]
fn entry_urls_name_known_mounts_and_absolute_urls() {
    assert_rejected("a page for an unknown mount", "/entryUrls", |manifest| {
        manifest["entryUrls"]["footer"] = json!("https://plugin.example.com/footer.html");
    });
    assert_rejected("a relative page", "/entryUrls/tab", |manifest| {
        manifest["entryUrls"]["tab"] = json!("tab/index.html");
    });
    let mut without = bundled();
    without.as_object_mut().unwrap().remove("entryUrls");
    assert_eq!(
        errors(&without),
        Vec::<String>::new(),
        "one page for every mount, as before"
    );
}
