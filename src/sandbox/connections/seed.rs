//! The seeded connections. Each tenant gets the CRM it runs, as a customer would connect it,
//! and the demo CRM (the host origin's pages) twice: once signing in through the demo identity
//! provider and the SSO exchange, the way a real CRM does, and once as a `generic` connection,
//! which the development tokens of `/dev/sso/token` are bound to.
//!
//! - *Northwind Marketing* runs Dynamics 365 (`https://northwind.crm4.dynamics.com`, Microsoft's
//!   keys of its Entra tenant).
//! - *Contoso Marketing* runs Salesforce (`https://contoso.lightning.force.com` and its My Domain).
//!   The consumer secret is random per seed, so nobody outside the sandbox can sign for it: to try
//!   a canvas app, add a connection with a secret of your own.

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::{add, add_sales_user, AdminError, PlatformUser, Trust};
use crate::protocol::{Manifest, Secret};
use crate::sandbox::db;
use crate::sandbox::demo_idp;
use crate::sandbox::seed::{TENANT_A, TENANT_B};

/// The platform's application in Entra ID, the audience of every customer's assertions (one
/// multi-tenant application, consented to in each customer's directory).
pub const PLATFORM_APPLICATION_ID: &str = "3f1d9c6e-8a47-4b2e-9d15-6c0a7e2b4f81";
/// Northwind's Entra ID tenant.
pub const NORTHWIND_ENTRA_TENANT: &str = "9b2c4e61-0d3f-4a8b-b7e5-1f6a2c8d0e47";
pub const NORTHWIND_DYNAMICS_ORIGIN: &str = "https://northwind.crm4.dynamics.com";
/// Contoso's Salesforce org.
pub const CONTOSO_ORG_ID: &str = "00D5g000004CntsEAC";
pub const CONTOSO_SALESFORCE_ORIGINS: [&str; 2] = [
    "https://contoso.lightning.force.com",
    "https://contoso.my.salesforce.com",
];
/// The demo identity provider's directory for each tenant's users.
pub const DEMO_ENTRA_TENANTS: [(&str, &str); 2] = [
    (TENANT_A, "0d3e5a00-0000-4000-8000-00000000000a"),
    (TENANT_B, "0d3e5a00-0000-4000-8000-00000000000b"),
];
/// Contoso's Salesforce users.
const CONTOSO_SALESFORCE_USERS: [(&str, &str); 2] = [
    ("b-mgr-zoe", "0055g00000AZoeFAAS"),
    ("b-rep-yan", "0055g00000BYanLAAS"),
];

/// The object id a directory gives a user in the seed: a GUID derived from both, so it is the
/// same in every seeded database.
pub fn object_id(directory: &str, user: &str) -> String {
    let digest = Sha256::digest(format!("{directory}/{user}"));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The demo CRM's exact origins: the manifest's entries that are not patterns.
fn demo_origins() -> Vec<String> {
    Manifest::bundled()
        .allowed_host_origins
        .into_iter()
        .filter(|origin| !origin.contains('*'))
        .collect()
}

fn users_of(conn: &Connection, tenant: i64) -> rusqlite::Result<Vec<String>> {
    let mut statement =
        conn.prepare("SELECT crm_user FROM users WHERE tenant_id = ?1 ORDER BY id")?;
    let users = statement.query_map([tenant], |row| row.get(0))?.collect();
    users
}

/// Adds the connections above to the seeded tenants (in the seed's transaction).
pub fn seed(conn: &Connection) -> rusqlite::Result<()> {
    seed_connections(conn).map_err(|error| match error {
        AdminError::Db(error) => error,
        AdminError::Refused(message) => rusqlite::Error::UserFunctionError(
            format!("a seeded connection was refused: {message}").into(),
        ),
    })
}

fn seed_connections(conn: &Connection) -> Result<(), AdminError> {
    let northwind = db::tenant_id(conn, TENANT_A)?;
    let dynamics = add(
        conn,
        northwind,
        &[NORTHWIND_DYNAMICS_ORIGIN.to_owned()],
        &Trust::EntraId {
            tenant_id: NORTHWIND_ENTRA_TENANT.to_owned(),
            application_id: PLATFORM_APPLICATION_ID.to_owned(),
            jwks_url: None,
        },
    )?;
    for user in users_of(conn, northwind)? {
        let oid = object_id(NORTHWIND_ENTRA_TENANT, &user);
        add_sales_user(conn, dynamics.id, &oid, PlatformUser::Existing(&user))?;
    }

    let contoso = db::tenant_id(conn, TENANT_B)?;
    let secret: String = crate::sandbox::auth::random_secret()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let salesforce = add(
        conn,
        contoso,
        &CONTOSO_SALESFORCE_ORIGINS.map(str::to_owned),
        &Trust::SalesforceCanvas {
            org_id: CONTOSO_ORG_ID.to_owned(),
            consumer_secret: Secret::new(secret),
        },
    )?;
    for (user, salesforce_id) in CONTOSO_SALESFORCE_USERS {
        add_sales_user(
            conn,
            salesforce.id,
            salesforce_id,
            PlatformUser::Existing(user),
        )?;
    }

    for (tenant_name, directory) in DEMO_ENTRA_TENANTS {
        let tenant = db::tenant_id(conn, tenant_name)?;
        let demo = add(
            conn,
            tenant,
            &demo_origins(),
            &Trust::EntraId {
                tenant_id: directory.to_owned(),
                application_id: PLATFORM_APPLICATION_ID.to_owned(),
                jwks_url: Some(demo_idp::JWKS_PATH.to_owned()),
            },
        )?;
        for user in users_of(conn, tenant)? {
            let oid = object_id(directory, &user);
            add_sales_user(conn, demo.id, &oid, PlatformUser::Existing(&user))?;
        }
        add(conn, tenant, &demo_origins(), &Trust::DevTokens)?;
    }
    Ok(())
}
