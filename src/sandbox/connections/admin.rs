//! The admin's commands: `sandbox connection add|list|remove` and
//! `sandbox sales-user add|list|remove`, run against the sandbox's database file (the running
//! sandbox sees a change at its next sign-in). Each prints what it stored, never a secret.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use rusqlite::{Connection, OptionalExtension};

use super::{AdminError, Kind, PlatformUser, Trust};
use crate::protocol::Secret;
use crate::wire::Role;

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Connect a tenant's CRM, list its connections, or remove one.
    #[command(subcommand)]
    Connection(ConnectionCommand),
    /// Let a CRM user of a connection sign in as a platform user, list them, or stop one.
    #[command(subcommand)]
    SalesUser(SalesUserCommand),
}

#[derive(Subcommand, Debug)]
pub enum ConnectionCommand {
    /// Connect a CRM: its kind, the exact origins its pages are on, and the identity it trusts.
    ///
    /// dynamics365: --entra-tenant-id and --application-id (and --jwks-url to use other keys
    /// than Microsoft's). salesforce: --org-id and the consumer secret, best given in
    /// SANDBOX_CONSUMER_SECRET rather than on the command line. generic: nothing more; its
    /// users sign in with development tokens only.
    Add(ConnectionAdd),
    /// List the connections, of one tenant or of all.
    List {
        /// The tenant, by name or id.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Remove a connection with its origins and sales users. Its users can no longer sign in
    /// through it; a token it already gave is refused by /v1/me and lives at most 15 minutes.
    Remove {
        /// The connection's id (see `connection list`).
        #[arg(long)]
        id: i64,
    },
}

#[derive(Args, Debug)]
pub struct ConnectionAdd {
    /// The tenant, by name or id.
    #[arg(long)]
    tenant: String,
    #[arg(long, value_enum)]
    kind: Kind,
    /// An exact origin of the CRM's pages, e.g. https://contoso.crm4.dynamics.com; repeatable.
    #[arg(long = "origin", required = true)]
    origins: Vec<String>,
    /// dynamics365: the customer's Entra ID tenant (directory) id.
    #[arg(long, required_if_eq("kind", "dynamics365"))]
    entra_tenant_id: Option<String>,
    /// dynamics365: the platform's application (client) id in Entra ID, the assertions' audience.
    #[arg(long, required_if_eq("kind", "dynamics365"))]
    application_id: Option<String>,
    /// dynamics365: where the signing keys are published; Microsoft's for the Entra tenant when
    /// left out.
    #[arg(long)]
    jwks_url: Option<String>,
    /// salesforce: the 18-character org id (00D…).
    #[arg(long, required_if_eq("kind", "salesforce"))]
    org_id: Option<String>,
    /// salesforce: the connected app's consumer secret.
    #[arg(
        long,
        env = "SANDBOX_CONSUMER_SECRET",
        hide_env_values = true,
        required_if_eq("kind", "salesforce")
    )]
    consumer_secret: Option<String>,
}

impl ConnectionAdd {
    /// The identity the connection trusts, from the options of its kind (and none other).
    fn trust(&self) -> Result<Trust, AdminError> {
        let entra = [
            ("--entra-tenant-id", self.entra_tenant_id.is_some()),
            ("--application-id", self.application_id.is_some()),
            ("--jwks-url", self.jwks_url.is_some()),
        ];
        let salesforce = [
            ("--org-id", self.org_id.is_some()),
            ("--consumer-secret", self.consumer_secret.is_some()),
        ];
        let foreign: Vec<&str> = match self.kind {
            Kind::Dynamics365 => salesforce.iter().collect::<Vec<_>>(),
            Kind::Salesforce => entra.iter().collect(),
            Kind::Generic => entra.iter().chain(&salesforce).collect(),
        }
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| *name)
        .collect();
        if !foreign.is_empty() {
            return Err(AdminError::Refused(format!(
                "{} not for a {} connection.",
                foreign.join(", "),
                self.kind.as_str()
            )));
        }
        let given = |value: &Option<String>| value.clone().unwrap_or_default();
        Ok(match self.kind {
            Kind::Dynamics365 => Trust::EntraId {
                tenant_id: given(&self.entra_tenant_id),
                application_id: given(&self.application_id),
                jwks_url: self.jwks_url.clone(),
            },
            Kind::Salesforce => Trust::SalesforceCanvas {
                org_id: given(&self.org_id),
                consumer_secret: Secret::new(given(&self.consumer_secret)),
            },
            Kind::Generic => Trust::DevTokens,
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum SalesUserCommand {
    /// Let a CRM user sign in as a platform user: an existing one (--user alone), or a new one
    /// (--user with --name, --role and, for a rep, --manager).
    Add(SalesUserAdd),
    /// List a connection's sales users.
    List {
        #[arg(long)]
        connection: i64,
    },
    /// Stop a CRM user signing in through the connection (the platform user stays).
    Remove {
        #[arg(long)]
        connection: i64,
        /// The CRM user id, as for `add`.
        #[arg(long)]
        crm_user_id: String,
    },
}

#[derive(Args, Debug)]
pub struct SalesUserAdd {
    /// The connection's id (see `connection list`).
    #[arg(long)]
    connection: i64,
    /// The CRM's id of the user: the Entra object id (oid) for dynamics365, the 18-character
    /// 005… user id for salesforce.
    #[arg(long)]
    crm_user_id: String,
    /// The platform user's user name, e.g. rep-ava.
    #[arg(long)]
    user: String,
    /// A new platform user's full name.
    #[arg(long, requires = "role")]
    name: Option<String>,
    /// A new platform user's role.
    #[arg(long, value_enum, requires = "name")]
    role: Option<RoleArg>,
    /// A new rep's manager, by user name.
    #[arg(long, requires = "role")]
    manager: Option<String>,
}

/// A platform role as the command line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    Rep,
    Manager,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Rep => Role::Rep,
            RoleArg::Manager => Role::Manager,
        }
    }
}

/// Runs an admin command on the database at `db_path` (which the sandbox must have created),
/// printing what it did.
pub fn main(command: Admin, db_path: &Path) -> ExitCode {
    if !db_path.exists() {
        eprintln!(
            "sandbox: there is no database at {}: start the sandbox once with this --db to create \
             and seed it.",
            db_path.display()
        );
        return ExitCode::FAILURE;
    }
    let outcome = super::super::db::open(db_path)
        .map_err(AdminError::Db)
        .and_then(|mut conn| run(command, &mut conn));
    match outcome {
        Ok(printed) => {
            print!("{printed}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs an admin command in one transaction and answers what to print.
pub fn run(command: Admin, conn: &mut Connection) -> Result<String, AdminError> {
    // Takes the write lock at once: a read turned write would fail, not wait, while the
    // running sandbox writes.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let printed = match command {
        Admin::Connection(ConnectionCommand::Add(add)) => {
            let tenant = tenant(&tx, &add.tenant)?;
            let stored = super::add(&tx, tenant, &add.origins, &add.trust()?)?;
            format!("Stored {stored}")
        }
        Admin::Connection(ConnectionCommand::List { tenant: name }) => {
            let tenant = name.map(|name| tenant(&tx, &name)).transpose()?;
            let connections = super::list(&tx, tenant)?;
            if connections.is_empty() {
                "No connections.\n".to_owned()
            } else {
                let listed: Vec<String> = connections.iter().map(ToString::to_string).collect();
                listed.join("\n")
            }
        }
        Admin::Connection(ConnectionCommand::Remove { id }) => {
            let (removed, sales_users) = super::remove(&tx, id)?;
            format!("Removed, with its {sales_users} sales user(s): {removed}")
        }
        Admin::SalesUser(SalesUserCommand::Add(add)) => {
            let platform = match (&add.name, add.role) {
                (Some(name), Some(role)) => PlatformUser::New {
                    user: &add.user,
                    name,
                    role: role.into(),
                    manager: add.manager.as_deref(),
                },
                _ => PlatformUser::Existing(&add.user),
            };
            let stored = super::add_sales_user(&tx, add.connection, &add.crm_user_id, platform)?;
            format!("Stored sales user {stored}\n")
        }
        Admin::SalesUser(SalesUserCommand::List { connection }) => {
            if super::get(&tx, connection)?.is_none() {
                return Err(AdminError::Refused(format!(
                    "There is no connection {connection}."
                )));
            }
            let users = super::sales_users(&tx, connection)?;
            if users.is_empty() {
                format!("Connection {connection} has no sales users.\n")
            } else {
                users.iter().map(|user| format!("{user}\n")).collect()
            }
        }
        Admin::SalesUser(SalesUserCommand::Remove {
            connection,
            crm_user_id,
        }) => {
            let removed = super::remove_sales_user(&tx, connection, &crm_user_id)?;
            format!("Removed sales user {removed}\n")
        }
    };
    tx.commit()?;
    Ok(printed)
}

/// A tenant named by its name or its id.
fn tenant(conn: &Connection, name_or_id: &str) -> Result<i64, AdminError> {
    let found = conn
        .query_row(
            "SELECT id FROM tenants WHERE name = ?1 OR CAST(id AS TEXT) = ?1",
            [name_or_id.trim()],
            |row| row.get(0),
        )
        .optional()?;
    match found {
        Some(id) => Ok(id),
        None => {
            let mut statement =
                conn.prepare("SELECT id || ' ' || name FROM tenants ORDER BY id")?;
            let known = statement
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Err(AdminError::Refused(format!(
                "There is no tenant '{name_or_id}'; there are: {}.",
                known.join(", ")
            )))
        }
    }
}
