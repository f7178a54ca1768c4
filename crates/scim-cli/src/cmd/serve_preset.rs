//! `scim serve --preset NAME`: which product the server is, and what it sets up at start
//! (base path, store, seeded groups, credentials) and says about it.

use super::serve_config::FileConfig;
use scim_server::ServerConfig;
use scim_server::auth::generate_secret;
use scim_server::presets::{case_management, locker};

/// The products `scim serve` can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Preset {
    /// Standard User (with the enterprise extension) and Group under `/scim/v2`.
    Standard,
    /// The locker system under `/api`: locker users with one email and badges, read-only
    /// groups, OAuth2 password-grant logins for two companies.
    Locker,
    /// The case-management app under `/scim/v2`: users, and authorization profiles that gain
    /// and lose members by PATCH, over the app's own tables.
    CaseManagement,
}

/// The OAuth client id `--preset locker` makes up when no `--config` is given.
pub(crate) const LOCKER_CLIENT_ID: &str = "locker-client";

impl Preset {
    /// The preset's configuration, at its own base path.
    pub(crate) fn config(self) -> ServerConfig {
        match self {
            Preset::Standard => ServerConfig::standard().with_base_path("/scim/v2"),
            Preset::Locker => locker::config(),
            Preset::CaseManagement => case_management::config(),
        }
    }

    /// The SQLite file used when `--db` is not given: one per preset, since their tables
    /// differ.
    pub(crate) fn default_db(self) -> &'static str {
        match self {
            Preset::Standard => "scim.db",
            Preset::Locker => "locker.db",
            Preset::CaseManagement => "case-management.db",
        }
    }

    /// How the startup line names the preset.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Preset::Standard => "standard",
            Preset::Locker => "locker",
            Preset::CaseManagement => "case-management",
        }
    }

    /// The groups seeded when the configuration does not say.
    pub(crate) fn default_groups(self) -> &'static [&'static str] {
        match self {
            Preset::Standard => &[],
            Preset::Locker => locker::SEED_GROUPS,
            Preset::CaseManagement => case_management::DEFAULT_PROFILES,
        }
    }
}

/// Credentials made up at start, printed once so the operator can use them.
#[derive(Debug)]
pub(crate) enum Generated {
    /// Nothing was made up.
    Nothing,
    /// `--preset locker` without `--config`: an OAuth client for both companies and one API
    /// user per company.
    Login {
        client_secret: String,
        /// `(username, password, tenant)`.
        users: Vec<(String, String, String)>,
    },
    /// `--preset case-management` without `--config` or `--token`: one bearer token.
    Token(String),
}

/// Makes up the credentials a preset needs when the command line gives none: returns what
/// was made, with `file` and `tokens` completed to use it.
pub(crate) fn generate(
    preset: Preset,
    file: &mut Option<FileConfig>,
    tokens: &mut Vec<String>,
) -> Generated {
    match preset {
        Preset::Locker if file.is_none() => {
            let client_secret = generate_secret();
            let users: Vec<(String, String, String)> = locker::DEMO_TENANTS
                .iter()
                .map(|t| (format!("api-{t}"), generate_secret(), (*t).to_owned()))
                .collect();
            *file = Some(FileConfig::generated(
                (LOCKER_CLIENT_ID, &client_secret),
                &users,
                locker::DEMO_TENANTS,
            ));
            Generated::Login {
                client_secret,
                users,
            }
        }
        Preset::CaseManagement if file.is_none() && tokens.is_empty() => {
            let token = generate_secret();
            tokens.push(token.clone());
            Generated::Token(token)
        }
        _ => Generated::Nothing,
    }
}

/// The tenants groups are seeded in: the default tenant (of `--token`) and every tenant the
/// configuration names.
pub(crate) fn seed_tenants(file: Option<&FileConfig>) -> Vec<String> {
    let mut tenants = vec![String::new()];
    if let Some(file) = file {
        for t in file.tenant_names() {
            if !tenants.contains(&t) {
                tenants.push(t);
            }
        }
    }
    tenants
}

/// The groups to seed: the configuration's `[seed] groups`, else the preset's.
pub(crate) fn seed_groups(preset: Preset, file: Option<&FileConfig>) -> Vec<String> {
    match file.and_then(FileConfig::seed_groups) {
        Some(groups) => groups.to_vec(),
        None => preset
            .default_groups()
            .iter()
            .map(|g| (*g).to_owned())
            .collect(),
    }
}

/// The lines that tell the operator how to authenticate, after the URL line.
pub(crate) fn auth_hints(
    origin: &str,
    base: &str,
    generated: &Generated,
    has_config: bool,
    has_tokens: bool,
) -> Vec<String> {
    match generated {
        Generated::Login {
            client_secret,
            users,
        } => {
            let mut lines = vec![format!(
                "scim: OAuth2 client {LOCKER_CLIENT_ID}, secret {client_secret} (serves {})",
                users
                    .iter()
                    .map(|(_, _, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )];
            for (name, password, tenant) in users {
                lines.push(format!(
                    "scim: API user {name}, password {password} (tenant {tenant})"
                ));
            }
            if let Some((name, password, _)) = users.first() {
                lines.push(
                    "scim: log in (password grant; 1 h access token, 30 d refresh token):"
                        .to_owned(),
                );
                lines.push(format!(
                    "  curl -s -u {LOCKER_CLIENT_ID}:{client_secret} {origin}/connect/token \
                     -d grant_type=password -d username={name} -d password={password}"
                ));
                lines.push(format!(
                    "  curl -s -H 'Authorization: Bearer <access_token>' \
                     '{base}/Users?filter=userName%20eq%20%22alice%22'"
                ));
            }
            lines
        }
        Generated::Token(token) => vec![
            format!("scim: bearer token {token} (every right; --token to choose your own)"),
            format!("  curl -s -H 'Authorization: Bearer {token}' {base}/Groups"),
        ],
        Generated::Nothing if has_config => {
            vec![format!(
                "scim: credentials from --config; tokens at POST {origin}/connect/token"
            )]
        }
        Generated::Nothing if has_tokens => {
            vec![
                "scim: send `Authorization: Bearer <token>` with one of the --token values"
                    .to_owned(),
            ]
        }
        Generated::Nothing => vec!["scim: no --token given: every request is allowed".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locker_without_config_makes_a_client_and_one_user_per_company() {
        let mut file = None;
        let mut tokens = Vec::new();
        let made = generate(Preset::Locker, &mut file, &mut tokens);
        let Generated::Login {
            client_secret,
            users,
        } = &made
        else {
            panic!("expected a login, got {made:?}");
        };
        assert_eq!(client_secret.len(), 32);
        let tenants: Vec<&str> = users.iter().map(|u| u.2.as_str()).collect();
        assert_eq!(tenants, locker::DEMO_TENANTS);
        assert_ne!(users[0].1, users[1].1);
        let file = file.expect("a generated configuration");
        assert_eq!(seed_tenants(Some(&file)), ["", "company-a", "company-b"]);
        assert!(tokens.is_empty());
        let hints = auth_hints("http://h", "http://h/api", &made, true, false);
        assert!(hints.iter().any(|l| l.contains("grant_type=password")));
    }

    #[test]
    fn case_management_makes_a_token_only_when_none_is_given() {
        let mut file = None;
        let mut tokens = vec!["mine".to_owned()];
        assert!(matches!(
            generate(Preset::CaseManagement, &mut file, &mut tokens),
            Generated::Nothing
        ));
        tokens.clear();
        let made = generate(Preset::CaseManagement, &mut file, &mut tokens);
        assert!(matches!(&made, Generated::Token(t) if tokens == [t.clone()]));
        assert!(file.is_none());
        assert_eq!(
            seed_groups(Preset::CaseManagement, None),
            case_management::DEFAULT_PROFILES
        );
    }

    #[test]
    fn the_standard_preset_makes_nothing_up() {
        let mut file = None;
        let mut tokens = Vec::new();
        assert!(matches!(
            generate(Preset::Standard, &mut file, &mut tokens),
            Generated::Nothing
        ));
        assert!(seed_groups(Preset::Standard, None).is_empty());
    }
}
