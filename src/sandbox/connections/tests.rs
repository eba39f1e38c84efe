use clap::Parser;
use rusqlite::Connection;

use super::admin::{self, Admin};
use super::*;
use crate::sandbox::db;

const ENTRA_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "3f1d9c6e-8a47-4b2e-9d15-6c0a7e2b4f81";
const ORG: &str = "00D5g000004AbcdEAA";
const SECRET: &str = "a-consumer-secret-of-the-connected-app";

/// Two tenants: "North" (a manager and a rep) and "South" (a rep).
fn database() -> Connection {
    let conn = db::open_in_memory().unwrap();
    let north = db::insert_tenant(&conn, "North").unwrap();
    let south = db::insert_tenant(&conn, "South").unwrap();
    let manager =
        db::insert_user(&conn, north, "mgr-n", "Nora North", Role::Manager, None).unwrap();
    db::insert_user(&conn, north, "rep-n", "Ned North", Role::Rep, Some(manager)).unwrap();
    db::insert_user(&conn, south, "rep-s", "Sam South", Role::Rep, None).unwrap();
    conn
}

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    admin: Admin,
}

/// Reads a command line (words without quotes) after `sandbox`.
fn parse(line: &str) -> Result<Admin, clap::Error> {
    Cli::try_parse_from(std::iter::once("sandbox").chain(line.split_whitespace()))
        .map(|cli| cli.admin)
}

/// Runs a command line on the database: what it printed, or the error it gave.
fn run(conn: &mut Connection, line: &str) -> Result<String, String> {
    let command = parse(line).map_err(|e| e.to_string())?;
    admin::run(command, conn).map_err(|e| e.to_string())
}

/// `connection add` for North's Dynamics 365, with `more` options.
const ADD_DYNAMICS: &str = "connection add --tenant North --kind dynamics365 \
    --entra-tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 \
    --application-id 3f1d9c6e-8a47-4b2e-9d15-6c0a7e2b4f81";

fn add_dynamics(conn: &mut Connection) -> String {
    run(
        conn,
        &format!("{ADD_DYNAMICS} --origin https://north.crm4.dynamics.com"),
    )
    .unwrap()
}

fn add_salesforce(conn: &mut Connection) -> String {
    run(conn, &format!("connection add --tenant South --kind salesforce --origin https://south.lightning.force.com --origin https://south.my.salesforce.com --org-id {ORG} --consumer-secret {SECRET}"))
    .unwrap()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap()
}

#[test]
fn exact_origins_are_accepted_as_a_browser_writes_them() {
    for origin in [
        "https://contoso.crm4.dynamics.com",
        "https://crm.example.com:8443",
        "http://127.0.0.1:8788",
        "http://localhost:3000",
        "http://[::1]:8788",
        "http://crm.localhost:8788",
    ] {
        assert_eq!(exact_origin(origin).as_deref(), Ok(origin));
    }
}

#[test]
fn anything_but_an_exact_origin_is_refused() {
    for origin in [
        "contoso.crm4.dynamics.com",
        "https://*.crm4.dynamics.com",
        "*",
        "https://Contoso.crm4.dynamics.com",
        "https://contoso.crm4.dynamics.com/",
        "https://contoso.crm4.dynamics.com/main.aspx",
        "https://user@contoso.crm4.dynamics.com",
        "http://contoso.crm4.dynamics.com",
        "ftp://contoso.example.com",
        "https://contoso.example.com:443",
        "http://localhost:80",
        "https://contoso.example.com:0",
        "https://contoso.example.com:08443",
        "https://contoso.example.com:65536",
        "https://[::2]:8788",
        "https://",
    ] {
        assert!(exact_origin(origin).is_err(), "{origin}");
    }
}

#[test]
fn ids_are_checked_for_their_shape() {
    assert_eq!(
        guid("Entra tenant id", "72F988BF-86F1-41AF-91AB-2D7CD011DB47").unwrap(),
        ENTRA_TENANT
    );
    for bad in [
        "72f988bf86f141af91ab2d7cd011db47",
        "72f988bf-86f1-41af-91ab-2d7cd011db4",
        "zzf988bf-86f1-41af-91ab-2d7cd011db47",
        "",
    ] {
        assert!(guid("Entra tenant id", bad).is_err(), "{bad}");
    }
    assert_eq!(salesforce_id("org id", "00D", ORG).unwrap(), ORG);
    for bad in [
        "00D5g000004Abcd",
        "0055g000004AbcdEAA",
        "00D5g000004Abcd-AA",
        "00D5g000004AbcdEAAX",
    ] {
        assert!(salesforce_id("org id", "00D", bad).is_err(), "{bad}");
    }
    assert!(consumer_secret("short").is_err());
    assert!(consumer_secret("sixteen chars ok").is_err(), "no spaces");
    assert!(consumer_secret(SECRET).is_ok());
}

#[test]
fn jwks_urls_are_https_this_machine_or_a_path_of_the_host_origin() {
    for url in [
        "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        "http://127.0.0.1:9000/keys",
        "/demo-idp/.well-known/jwks.json",
    ] {
        assert_eq!(jwks_url(url).as_deref(), Ok(url));
    }
    for url in [
        "http://keys.example.com/jwks",
        "//keys.example.com/jwks",
        "keys.example.com/jwks",
        "https://keys.example.com/a b",
        "",
    ] {
        assert!(jwks_url(url).is_err(), "{url}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for line in [
        "connection add --help",
        "connection list --help",
        "connection remove --help",
        "sales-user add --help",
        "sales-user list --help",
        "sales-user remove --help",
    ] {
        let error = parse(line).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp, "{line}");
        assert!(error.to_string().contains("Usage:"), "{line}");
    }
}

#[test]
fn a_dynamics_connection_is_stored_with_microsofts_keys_by_default() {
    let mut conn = database();
    let printed = add_dynamics(&mut conn);
    assert!(
        printed.starts_with("Stored connection 1 · dynamics365 · tenant North (1)"),
        "{printed}"
    );
    assert!(
        printed.contains("origins: https://north.crm4.dynamics.com"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("application id (audience): {APP}")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "https://login.microsoftonline.com/{ENTRA_TENANT}/discovery/v2.0/keys (Microsoft's)"
        )),
        "{printed}"
    );
    let stored = get(&conn, 1).unwrap().unwrap();
    assert_eq!(
        stored.trust,
        Trust::EntraId {
            tenant_id: ENTRA_TENANT.into(),
            application_id: APP.into(),
            jwks_url: None
        }
    );
    assert_eq!(
        for_entra_tenant(&conn, ENTRA_TENANT, APP)
            .unwrap()
            .unwrap()
            .id,
        1
    );
}

#[test]
fn a_consumer_secret_is_stored_but_never_printed() {
    let mut conn = database();
    let printed = add_salesforce(&mut conn);
    assert!(printed.contains("consumer secret: ********"), "{printed}");
    assert!(printed.contains(ORG), "{printed}");
    assert!(printed.contains("https://south.lightning.force.com https://south.my.salesforce.com"));
    let listed = run(&mut conn, "connection list").unwrap();
    let debugged = format!("{:?}", get(&conn, 1).unwrap());
    for shown in [&printed, &listed, &debugged] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(&SECRET[..8]), "{shown}");
    }
    let Trust::SalesforceCanvas {
        consumer_secret, ..
    } = for_salesforce_org(&conn, ORG).unwrap().unwrap().trust
    else {
        panic!("not a Salesforce connection")
    };
    assert_eq!(consumer_secret.expose(), SECRET);
}

#[test]
fn options_of_another_kind_are_refused() {
    let mut conn = database();
    let error = run(&mut conn, &format!("connection add --tenant North --kind generic --origin http://127.0.0.1:8788 --org-id {ORG}"))
    .unwrap_err();
    assert!(
        error.contains("--org-id not for a generic connection"),
        "{error}"
    );
    let missing = run(
        &mut conn,
        "connection add --tenant North --kind dynamics365 --origin https://north.crm4.dynamics.com",
    )
    .unwrap_err();
    assert!(missing.contains("--entra-tenant-id"), "{missing}");
    let no_origin = run(&mut conn, "connection add --tenant North --kind generic").unwrap_err();
    assert!(no_origin.contains("--origin"), "{no_origin}");
    assert_eq!(count(&conn, "crm_connections"), 0);
}

#[test]
fn bad_input_stores_nothing_and_says_why() {
    let mut conn = database();
    for (more, says) in [
        ("--origin https://*.crm4.dynamics.com", "not patterns"),
        (
            "--origin http://north.example.com",
            "http is allowed only on this machine",
        ),
        (
            "--origin https://north.crm4.dynamics.com --jwks-url http://keys.example.com",
            "JWKS URL",
        ),
    ] {
        let error = run(&mut conn, &format!("{ADD_DYNAMICS} {more}")).unwrap_err();
        assert!(error.contains(says), "{error}");
    }
    let error = run(
        &mut conn,
        "connection add --tenant Nowhere --kind generic --origin http://127.0.0.1:8788",
    )
    .unwrap_err();
    assert!(
        error.contains("There is no tenant 'Nowhere'; there are: 1 North, 2 South"),
        "{error}"
    );
    assert_eq!(count(&conn, "crm_connections"), 0);
    assert_eq!(count(&conn, "crm_connection_origins"), 0);
}

#[test]
fn an_entra_tenant_or_org_belongs_to_one_connection() {
    let mut conn = database();
    add_dynamics(&mut conn);
    add_salesforce(&mut conn);
    let again = run(&mut conn, &format!("connection add --tenant South --kind dynamics365 --origin https://south.crm4.dynamics.com --entra-tenant-id {ENTRA_TENANT} --application-id {APP}"))
    .unwrap_err();
    assert!(
        again.contains("already trusts this Entra tenant"),
        "{again}"
    );
    let org_again = run(&mut conn, &format!("connection add --tenant North --kind salesforce --origin https://north.lightning.force.com --org-id {ORG} --consumer-secret {SECRET}"))
    .unwrap_err();
    assert!(
        org_again.contains("already has this Salesforce org id"),
        "{org_again}"
    );
    assert_eq!(count(&conn, "crm_connections"), 2);
}

#[test]
fn sales_users_map_crm_ids_to_existing_or_new_platform_users() {
    let mut conn = database();
    add_dynamics(&mut conn);
    let oid = "0b7a4c2e-1d3f-4a5b-8c6d-7e8f9a0b1c2d";
    let printed = run(
        &mut conn,
        &format!(
            "sales-user add --connection 1 --crm-user-id {} --user rep-n",
            oid.to_uppercase()
        ),
    )
    .unwrap();
    assert_eq!(
        printed,
        format!("Stored sales user {oid} → rep-n (Ned North, rep of mgr-n) · connection 1\n")
    );
    let new_oid = "1c8b5d3f-2e4a-4b6c-9d7e-8f9a0b1c2d3e";
    let created = run(&mut conn, &format!("sales-user add --connection 1 --crm-user-id {new_oid} --user rep-new --name Nina --role rep --manager mgr-n"))
    .unwrap();
    assert!(
        created.contains("rep-new (Nina, rep of mgr-n)"),
        "{created}"
    );
    let found = sales_user(&conn, 1, new_oid).unwrap().unwrap();
    assert_eq!((found.tenant_id, found.role), (1, Role::Rep));
    let listed = run(&mut conn, "sales-user list --connection 1").unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let removed = run(
        &mut conn,
        &format!("sales-user remove --connection 1 --crm-user-id {oid}"),
    )
    .unwrap();
    assert!(
        removed.starts_with(&format!("Removed sales user {oid} → rep-n")),
        "{removed}"
    );
    assert!(sales_user(&conn, 1, oid).unwrap().is_none());
    let users: i64 = conn
        .query_row(
            "SELECT count(*) FROM users WHERE crm_user = 'rep-n'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 1, "the platform user stays");
}

#[test]
fn a_sales_user_stays_in_the_connections_tenant() {
    let mut conn = database();
    add_dynamics(&mut conn);
    add_salesforce(&mut conn);
    let oid = "0b7a4c2e-1d3f-4a5b-8c6d-7e8f9a0b1c2d";
    for (options, says) in [
        (
            format!("--connection 1 --crm-user-id {oid} --user rep-s"),
            "belongs to another tenant",
        ),
        (
            format!("--connection 1 --crm-user-id {oid} --user nobody"),
            "There is no platform user 'nobody'",
        ),
        (
            format!("--connection 1 --crm-user-id {oid} --user rep-x --name X --role rep --manager rep-n"),
            "is not a manager of this tenant",
        ),
        (
            format!("--connection 1 --crm-user-id {oid} --user rep-n --name X --role rep"),
            "exists",
        ),
        (
            "--connection 1 --crm-user-id 0055g00000AbcdeAAA --user rep-n".to_owned(),
            "must be a GUID",
        ),
        (
            format!("--connection 2 --crm-user-id {oid} --user rep-s"),
            "18-character Salesforce id starting with 005",
        ),
        (
            format!("--connection 9 --crm-user-id {oid} --user rep-n"),
            "There is no connection 9",
        ),
    ] {
        let error = run(&mut conn, &format!("sales-user add {options}")).unwrap_err();
        assert!(error.contains(says), "{says}: {error}");
    }
    assert_eq!(count(&conn, "sales_users"), 0);
    assert_eq!(count(&conn, "users"), 3);
}

#[test]
fn a_generic_connection_has_no_sales_users_and_binds_development_tokens() {
    let mut conn = database();
    run(
        &mut conn,
        "connection add --tenant South --kind generic --origin http://127.0.0.1:8788",
    )
    .unwrap();
    let error = run(
        &mut conn,
        "sales-user add --connection 1 --crm-user-id rep-s --user rep-s",
    )
    .unwrap_err();
    assert!(error.contains("development tokens only"), "{error}");
    assert_eq!(dev_token_connection(&conn, 2).unwrap(), Some(1));
    assert_eq!(dev_token_connection(&conn, 1).unwrap(), None);
}

#[test]
fn removing_a_connection_removes_its_origins_and_sales_users() {
    let mut conn = database();
    add_dynamics(&mut conn);
    run(&mut conn, "sales-user add --connection 1 --crm-user-id 0b7a4c2e-1d3f-4a5b-8c6d-7e8f9a0b1c2d --user rep-n")
    .unwrap();
    let printed = run(&mut conn, "connection remove --id 1").unwrap();
    assert!(
        printed.starts_with("Removed, with its 1 sales user(s): connection 1 · dynamics365"),
        "{printed}"
    );
    for table in ["crm_connections", "crm_connection_origins", "sales_users"] {
        assert_eq!(count(&conn, table), 0, "{table}");
    }
    assert_eq!(origins_of(&conn, 1).unwrap(), None);
    assert!(
        origins_for(&conn, Some(1)).is_err(),
        "a token of a removed connection"
    );
    assert_eq!(origins_for(&conn, None).unwrap(), None);
    let again = run(&mut conn, "connection remove --id 1").unwrap_err();
    assert!(again.contains("There is no connection 1"), "{again}");
}

#[test]
fn the_seed_connects_each_tenant_its_crm_the_demo_and_development_tokens() {
    let conn = db::open_in_memory().unwrap();
    let a = db::insert_tenant(&conn, crate::sandbox::seed::TENANT_A).unwrap();
    let b = db::insert_tenant(&conn, crate::sandbox::seed::TENANT_B).unwrap();
    let manager = db::insert_user(&conn, a, "mgr-olivia", "Olivia", Role::Manager, None).unwrap();
    db::insert_user(&conn, a, "rep-ava", "Ava", Role::Rep, Some(manager)).unwrap();
    db::insert_user(&conn, b, "b-mgr-zoe", "Zoe", Role::Manager, None).unwrap();
    db::insert_user(&conn, b, "b-rep-yan", "Yan", Role::Rep, None).unwrap();
    seed::seed(&conn).unwrap();

    let kinds = |tenant| -> Vec<Kind> {
        list(&conn, Some(tenant))
            .unwrap()
            .iter()
            .map(CrmConnection::kind)
            .collect()
    };
    assert_eq!(
        kinds(a),
        [Kind::Dynamics365, Kind::Dynamics365, Kind::Generic]
    );
    assert_eq!(
        kinds(b),
        [Kind::Salesforce, Kind::Dynamics365, Kind::Generic]
    );
    let demo_origins = ["http://127.0.0.1:8788", "http://localhost:8788"];
    for connection in list(&conn, None).unwrap() {
        let demo = connection.origins == demo_origins;
        let dynamics = connection.origins == [seed::NORTHWIND_DYNAMICS_ORIGIN];
        let salesforce = connection.origins == seed::CONTOSO_SALESFORCE_ORIGINS;
        assert!(demo || dynamics || salesforce, "{connection}");
    }
    let demo_a = for_entra_tenant(
        &conn,
        seed::DEMO_ENTRA_TENANTS[0].1,
        seed::PLATFORM_APPLICATION_ID,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        demo_a.trust,
        Trust::EntraId {
            tenant_id: seed::DEMO_ENTRA_TENANTS[0].1.into(),
            application_id: seed::PLATFORM_APPLICATION_ID.into(),
            jwks_url: Some(crate::sandbox::demo_idp::JWKS_PATH.into()),
        }
    );
    let ava = seed::object_id(seed::DEMO_ENTRA_TENANTS[0].1, "rep-ava");
    assert_eq!(
        sales_user(&conn, demo_a.id, &ava).unwrap().unwrap().user,
        "rep-ava"
    );
    assert_eq!(sales_users(&conn, demo_a.id).unwrap().len(), 2);
    let salesforce = for_salesforce_org(&conn, seed::CONTOSO_ORG_ID)
        .unwrap()
        .unwrap();
    assert_eq!(sales_users(&conn, salesforce.id).unwrap().len(), 2);
    // The same user in the same directory gets the same id in every seeded database.
    assert_eq!(
        ava,
        seed::object_id(seed::DEMO_ENTRA_TENANTS[0].1, "rep-ava")
    );
    assert!(guid("oid", &ava).is_ok());
}
