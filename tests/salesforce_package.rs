//! The Salesforce project (`manifest/salesforce/`) as a deploy would read it: every metadata file
//! well formed and on the one pinned API version, and everything one component names present.
//! (The 1-to-200 rule of the list view buttons is tested with its script, under
//! `manifest/salesforce/test/`.)

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const METADATA_NS: &str = "http://soap.sforce.com/2006/04/metadata";

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("manifest/salesforce")
}

fn source() -> PathBuf {
    project().join("force-app/main/default")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pinned_api_version() -> String {
    let project: serde_json::Value =
        serde_json::from_str(&read(&project().join("sfdx-project.json"))).unwrap();
    let version = project["sourceApiVersion"]
        .as_str()
        .expect("sourceApiVersion")
        .to_owned();
    assert!(
        version.split('.').count() == 2 && version.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "sourceApiVersion {version:?} is not NN.0"
    );
    version
}

/// The text of `root`'s child element `name`, each occurrence.
fn children(doc: &roxmltree::Document<'_>, name: &str) -> Vec<String> {
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name((METADATA_NS, name)))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

fn metadata(path: &Path) -> String {
    read(path)
}

fn names_with_suffix(dir: &str, suffix: &str) -> BTreeSet<String> {
    files_under(&source().join(dir))
        .iter()
        .filter_map(|p| {
            p.file_name()?
                .to_str()?
                .strip_suffix(suffix)
                .map(str::to_owned)
        })
        .collect()
}

/// Every `attr="…"` value in `text` (the markup of pages and components is not namespace-clean
/// XML: `apex:` and `aura:` are never declared).
fn attribute_values(text: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    text.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &text[at + needle.len()..];
            rest[..rest.find('"').expect("closing quote")].to_owned()
        })
        .collect()
}

#[test]
fn every_metadata_file_is_well_formed_metadata_on_the_pinned_api_version() {
    let version = pinned_api_version();
    let metas: Vec<PathBuf> = files_under(&source())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("-meta.xml"))
        .collect();
    assert!(
        metas.len() >= 15,
        "found only {} metadata files",
        metas.len()
    );
    for path in &metas {
        let text = metadata(path);
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{} is not well formed: {e}", path.display()));
        assert_eq!(
            doc.root_element().tag_name().namespace(),
            Some(METADATA_NS),
            "{}: not in the metadata namespace",
            path.display()
        );
        let versions = children(&doc, "apiVersion");
        let kind = doc.root_element().tag_name().name();
        // These types do not deploy without one; the others have no such field.
        if matches!(
            kind,
            "ApexPage" | "AuraDefinitionBundle" | "ApexClass" | "LightningComponentBundle"
        ) {
            assert_eq!(versions, [version.clone()], "{}", path.display());
        } else {
            assert!(
                versions.iter().all(|v| *v == version),
                "{}: {versions:?}",
                path.display()
            );
        }
    }
    // The hosted canvas SDK is versioned the same way; the list pages load its controller.js.
    for page in files_under(&source().join("pages")) {
        let text = read(&page);
        for script in attribute_values(&text, "value") {
            if let Some(rest) = script.strip_prefix("/canvas/sdk/js/") {
                assert!(
                    rest.starts_with(&format!("{version}/")),
                    "{}: {script}",
                    page.display()
                );
            }
        }
    }
}

#[test]
fn every_page_resource_and_canvas_app_that_is_named_exists() {
    let pages = names_with_suffix("pages", ".page");
    let page_metas = names_with_suffix("pages", ".page-meta.xml");
    assert_eq!(
        pages, page_metas,
        "each page has its -meta.xml and the other way round"
    );
    let resources = names_with_suffix("staticresources", ".resource-meta.xml");
    let apps = names_with_suffix("connectedApps", ".connectedApp-meta.xml");
    assert_eq!(apps, BTreeSet::from(["MarketingSidebar".to_owned()]));

    let mut markup: Vec<PathBuf> = files_under(&source().join("pages"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "page"))
        .collect();
    markup.extend(
        files_under(&source().join("aura"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "cmp")),
    );
    let mut canvas_apps = 0;
    for path in &markup {
        let text = read(path);
        for name in attribute_values(&text, "developerName") {
            assert!(
                apps.contains(&name),
                "{} embeds unknown canvas app {name}",
                path.display()
            );
            canvas_apps += 1;
        }
        for value in attribute_values(&text, "value") {
            if let Some(name) = value
                .strip_prefix("{!$Resource.")
                .and_then(|v| v.strip_suffix('}'))
            {
                assert!(
                    resources.contains(name),
                    "{} loads missing resource {name}",
                    path.display()
                );
            }
        }
    }
    assert_eq!(
        canvas_apps,
        markup.len(),
        "every page and component embeds the canvas app once"
    );

    // Each list view button opens a page made for its object's list views.
    let links = files_under(&source().join("objects"));
    assert_eq!(links.len(), 4, "{links:?}");
    for link in &links {
        let object = link
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let text = metadata(link);
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(
            children(&doc, "displayType"),
            ["massActionButton"],
            "{}",
            link.display()
        );
        assert_eq!(children(&doc, "linkType"), ["page"], "{}", link.display());
        assert_eq!(
            children(&doc, "requireRowSelection"),
            ["true"],
            "{}",
            link.display()
        );
        let page = &children(&doc, "page")[0];
        assert!(
            pages.contains(page),
            "{} opens missing page {page}",
            link.display()
        );
        let markup = read(&source().join("pages").join(format!("{page}.page")));
        assert_eq!(
            attribute_values(&markup, "standardController"),
            [object],
            "{page}"
        );
        assert_eq!(
            attribute_values(&markup, "recordSetVar").len(),
            1,
            "{page} has no set controller"
        );
        assert!(
            markup.contains("value=\"{!selected}\""),
            "{page} does not pass the selection"
        );
    }

    // The tabs with no record: each a Visualforce page showing the canvas app with its view.
    for (tab, view) in [
        ("Hot_Prospects", "hotProspects"),
        ("Sales_Dashboard", "dashboard"),
    ] {
        let text = metadata(&source().join(format!("tabs/{tab}.tab-meta.xml")));
        let doc = roxmltree::Document::parse(&text).unwrap();
        let page = &children(&doc, "page")[0];
        assert!(
            pages.contains(page),
            "the {tab} tab opens missing page {page}"
        );
        assert!(
            read(&source().join(format!("pages/{page}.page")))
                .contains(&format!("&quot;view&quot;:&quot;{view}&quot;")),
            "{tab}"
        );
    }
}

#[test]
fn the_connected_app_posts_a_signed_request_to_the_canvas_url_for_lightning_and_visualforce() {
    let text = metadata(&source().join("connectedApps/MarketingSidebar.connectedApp-meta.xml"));
    let doc = roxmltree::Document::parse(&text).unwrap();
    let canvas = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((METADATA_NS, "canvasConfig")))
        .expect("canvasConfig");
    let field = |name: &str| -> Vec<&str> {
        canvas
            .children()
            .filter(|n| n.has_tag_name((METADATA_NS, name)))
            .filter_map(|n| n.text())
            .collect()
    };
    assert_eq!(field("accessMethod"), ["Post"], "Signed Request (POST)");
    assert_eq!(field("canvasUrl"), ["{{salesforceCanvasUrl}}"]);
    assert_eq!(field("locations"), ["Aura", "Visualforce"]);
    let oauth = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((METADATA_NS, "oauthConfig")))
        .expect("oauthConfig");
    let scopes: Vec<&str> = oauth
        .children()
        .filter(|n| n.has_tag_name((METADATA_NS, "scopes")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(scopes, ["Api", "RefreshToken"]);
}

#[test]
fn the_record_component_is_offered_on_lead_contact_and_account_pages_only() {
    let design = read(&source().join("aura/MarketingSidebarRecord/MarketingSidebarRecord.design"));
    let objects: Vec<&str> = design
        .split("<sfdc:object>")
        .skip(1)
        .map(|rest| &rest[..rest.find("</sfdc:object>").unwrap()])
        .collect();
    assert_eq!(objects, ["Lead", "Contact", "Account"]);
    let component = read(&source().join("aura/MarketingSidebarRecord/MarketingSidebarRecord.cmp"));
    for interface in [
        "flexipage:availableForRecordHome",
        "force:hasRecordId",
        "force:hasSObjectName",
    ] {
        assert!(
            component.contains(interface),
            "the component does not implement {interface}"
        );
    }
    let controller =
        read(&source().join("aura/MarketingSidebarRecord/MarketingSidebarRecordController.js"));
    assert!(
        controller.contains("recordId: component.get('v.recordId')"),
        "the record id is a canvas parameter"
    );
}
