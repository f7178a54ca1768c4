//! The app's rows and their SCIM JSON. Incoming resources are checked against what the tables
//! can hold (anything else is an `invalidValue` naming the attribute); outgoing resources are
//! built from the columns, with `name.formatted`, a user's `groups` and a profile's `members`
//! computed.

use scim_core::{ScimError, ScimType};
use serde_json::{Map, Value, json};

/// What the store keeps about every row besides its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// The id (a lowercase UUID).
    pub(crate) id: String,
    /// `meta.created`.
    pub(crate) created: String,
    /// `meta.lastModified`.
    pub(crate) last_modified: String,
    /// The version, bumped on every change.
    pub(crate) version: i64,
}

impl Stamp {
    fn meta(&self, resource_type: &str) -> Value {
        json!({
            "resourceType": resource_type,
            "created": self.created,
            "lastModified": self.last_modified,
            "version": format!("W/\"{}\"", self.version),
        })
    }
}

/// The one email a user has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Email {
    /// `emails[].value`.
    pub(crate) value: String,
    /// `emails[].type`.
    pub(crate) kind: Option<String>,
    /// `emails[].primary`.
    pub(crate) primary: Option<bool>,
}

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserRow {
    /// `userName`.
    pub(crate) user_name: String,
    /// `name.givenName`.
    pub(crate) first_name: Option<String>,
    /// `name.familyName`.
    pub(crate) last_name: Option<String>,
    /// `displayName`.
    pub(crate) display_name: Option<String>,
    /// `emails` (at most one).
    pub(crate) email: Option<Email>,
    /// `active`; a user without one is active.
    pub(crate) active: bool,
    /// `externalId`.
    pub(crate) external_id: Option<String>,
}

/// A row of `profiles` with the member ids a write gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileRow {
    /// `displayName`.
    pub(crate) name: String,
    /// The `value` of each member, as sent.
    pub(crate) members: Vec<String>,
}

/// A computed link: the other side's id and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The linked resource's id.
    pub(crate) id: String,
    /// Its display name (a profile's name; a user's `displayName`, else `userName`).
    pub(crate) display: String,
}

const USER_KEEPS: &str =
    "userName, name.givenName, name.familyName, displayName, active, emails (one), externalId";
const PROFILE_KEEPS: &str = "displayName, members";

fn invalid(detail: String) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

fn not_kept(path: &str, keeps: &str) -> ScimError {
    invalid(format!(
        "attribute \"{path}\" is not kept by the case-management app (it keeps {keeps})"
    ))
}

fn object<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, ScimError> {
    v.as_object()
        .ok_or_else(|| invalid(format!("{what} must be a JSON object")))
}

fn string(path: &str, v: &Value) -> Result<Option<String>, ScimError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(format!("{path} must be a string"))),
    }
}

fn boolean(path: &str, v: &Value) -> Result<Option<bool>, ScimError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        _ => Err(invalid(format!("{path} must be true or false"))),
    }
}

fn required(path: &str, v: Option<String>) -> Result<String, ScimError> {
    match v {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(invalid(format!("{path} is required"))),
    }
}

/// The items of a multi-valued attribute (`null` is none; one object is one item).
fn items<'v>(path: &str, v: &'v Value) -> Result<&'v [Value], ScimError> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        Value::Object(_) => Ok(std::slice::from_ref(v)),
        _ => Err(invalid(format!("{path} must be a list"))),
    }
}

/// Keys the store owns or computes: ignored on the way in.
fn owned(key: &str) -> bool {
    matches!(key, "schemas" | "id" | "meta")
}

impl UserRow {
    /// The row for a user resource (canonical JSON).
    pub(crate) fn from_json(resource: &Value) -> Result<UserRow, ScimError> {
        let obj = object(resource, "a user")?;
        let mut row = UserRow {
            user_name: String::new(),
            first_name: None,
            last_name: None,
            display_name: None,
            email: None,
            active: true,
            external_id: None,
        };
        let mut user_name = None;
        for (key, v) in obj {
            match key.as_str() {
                k if owned(k) || k == "groups" => {}
                "userName" => user_name = string(key, v)?,
                "externalId" => row.external_id = string(key, v)?,
                "displayName" => row.display_name = string(key, v)?,
                "active" => row.active = boolean(key, v)?.unwrap_or(true),
                "name" if v.is_null() => {}
                "name" => {
                    for (sub, sv) in object(v, "name")? {
                        match sub.as_str() {
                            "givenName" => row.first_name = string("name.givenName", sv)?,
                            "familyName" => row.last_name = string("name.familyName", sv)?,
                            "formatted" => {}
                            _ => return Err(not_kept(&format!("name.{sub}"), USER_KEEPS)),
                        }
                    }
                }
                "emails" => row.email = email(items(key, v)?)?,
                _ => return Err(not_kept(key, USER_KEEPS)),
            }
        }
        row.user_name = required("userName", user_name)?;
        Ok(row)
    }

    /// The user resource of this row.
    pub(crate) fn to_json(&self, stamp: &Stamp, resource_type: &str, groups: &[Link]) -> Value {
        let mut obj = Map::new();
        obj.insert(
            "schemas".into(),
            json!([scim_core::schema::builtin::USER_URN]),
        );
        obj.insert("id".into(), Value::String(stamp.id.clone()));
        if let Some(e) = &self.external_id {
            obj.insert("externalId".into(), Value::String(e.clone()));
        }
        obj.insert("userName".into(), Value::String(self.user_name.clone()));
        if self.first_name.is_some() || self.last_name.is_some() {
            let mut name = Map::new();
            let formatted: Vec<&str> = [&self.first_name, &self.last_name]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            if !formatted.is_empty() {
                name.insert("formatted".into(), Value::String(formatted.join(" ")));
            }
            if let Some(f) = &self.last_name {
                name.insert("familyName".into(), Value::String(f.clone()));
            }
            if let Some(g) = &self.first_name {
                name.insert("givenName".into(), Value::String(g.clone()));
            }
            obj.insert("name".into(), Value::Object(name));
        }
        if let Some(d) = &self.display_name {
            obj.insert("displayName".into(), Value::String(d.clone()));
        }
        obj.insert("active".into(), Value::Bool(self.active));
        if let Some(e) = &self.email {
            let mut item = Map::new();
            item.insert("value".into(), Value::String(e.value.clone()));
            if let Some(t) = &e.kind {
                item.insert("type".into(), Value::String(t.clone()));
            }
            if let Some(p) = e.primary {
                item.insert("primary".into(), Value::Bool(p));
            }
            obj.insert("emails".into(), Value::Array(vec![Value::Object(item)]));
        }
        if !groups.is_empty() {
            let list = groups
                .iter()
                .map(|g| json!({"value": g.id, "display": g.display, "type": "direct"}))
                .collect();
            obj.insert("groups".into(), Value::Array(list));
        }
        obj.insert("meta".into(), stamp.meta(resource_type));
        Value::Object(obj)
    }

    /// Whether a change from `self` to `other` changes how the user shows as a member.
    pub(crate) fn same_display(&self, other: &UserRow) -> bool {
        self.user_name == other.user_name && self.display_name == other.display_name
    }
}

fn email(items: &[Value]) -> Result<Option<Email>, ScimError> {
    let item = match items {
        [] => return Ok(None),
        [one] => one,
        more => {
            return Err(invalid(format!(
                "the case-management app keeps one email per user, not {}",
                more.len()
            )));
        }
    };
    let mut value = None;
    let mut kind = None;
    let mut primary = None;
    for (sub, v) in object(item, "an email")? {
        match sub.as_str() {
            "value" => value = string("emails.value", v)?,
            "type" => kind = string("emails.type", v)?,
            "primary" => primary = boolean("emails.primary", v)?,
            _ => return Err(not_kept(&format!("emails.{sub}"), USER_KEEPS)),
        }
    }
    Ok(Some(Email {
        value: required("emails.value", value)?,
        kind,
        primary,
    }))
}

impl ProfileRow {
    /// The row for a group resource (canonical JSON).
    pub(crate) fn from_json(resource: &Value) -> Result<ProfileRow, ScimError> {
        let obj = object(resource, "a profile")?;
        let mut name = None;
        let mut members = Vec::new();
        for (key, v) in obj {
            match key.as_str() {
                k if owned(k) => {}
                "displayName" => name = string(key, v)?,
                "members" => {
                    for m in items(key, v)? {
                        members.push(member(m)?);
                    }
                }
                _ => return Err(not_kept(key, PROFILE_KEEPS)),
            }
        }
        Ok(ProfileRow {
            name: required("displayName", name)?,
            members,
        })
    }

    /// The group resource of a profile; `members` is left out when `None` or empty.
    pub(crate) fn to_json(
        name: &str,
        stamp: &Stamp,
        resource_type: &str,
        members: Option<&[Link]>,
    ) -> Value {
        let mut obj = Map::new();
        obj.insert(
            "schemas".into(),
            json!([scim_core::schema::builtin::GROUP_URN]),
        );
        obj.insert("id".into(), Value::String(stamp.id.clone()));
        obj.insert("displayName".into(), Value::String(name.to_owned()));
        if let Some(members) = members.filter(|m| !m.is_empty()) {
            let list = members
                .iter()
                .map(|m| json!({"value": m.id, "display": m.display, "type": "User"}))
                .collect();
            obj.insert("members".into(), Value::Array(list));
        }
        obj.insert("meta".into(), stamp.meta(resource_type));
        Value::Object(obj)
    }
}

/// A member's id. Profiles hold users only; `display` and `$ref` are computed.
fn member(m: &Value) -> Result<String, ScimError> {
    let mut value = None;
    for (sub, v) in object(m, "a member")? {
        match sub.as_str() {
            "value" => value = string("members.value", v)?,
            "type" => {
                if let Some(t) = string("members.type", v)?
                    && !t.eq_ignore_ascii_case("User")
                {
                    return Err(invalid(format!(
                        "members.type {t:?}: authorization profiles hold users only"
                    )));
                }
            }
            "display" | "$ref" => {}
            _ => return Err(not_kept(&format!("members.{sub}"), PROFILE_KEEPS)),
        }
    }
    required("members.value", value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp {
            id: "u1".into(),
            created: "2024-01-01T00:00:00.000Z".into(),
            last_modified: "2024-01-02T00:00:00.000Z".into(),
            version: 3,
        }
    }

    #[test]
    fn a_user_round_trips() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ann", "externalId": "E1",
            "name": {"givenName": "Ann", "familyName": "Lee", "formatted": "ignored"},
            "emails": [{"value": "ann@x.org", "type": "work", "primary": true}],
            "active": false, "groups": [{"value": "ignored"}], "id": "ignored"
        });
        let row = UserRow::from_json(&body).unwrap();
        assert_eq!(row.first_name.as_deref(), Some("Ann"));
        assert!(!row.active);
        let links = [Link {
            id: "p1".into(),
            display: "Clerks".into(),
        }];
        let out = row.to_json(&stamp(), "User", &links);
        assert_eq!(
            out,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "u1", "externalId": "E1", "userName": "ann",
                "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
                "active": false,
                "emails": [{"value": "ann@x.org", "type": "work", "primary": true}],
                "groups": [{"value": "p1", "display": "Clerks", "type": "direct"}],
                "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00.000Z",
                         "lastModified": "2024-01-02T00:00:00.000Z", "version": "W/\"3\""}
            })
        );
        assert_eq!(UserRow::from_json(&out).unwrap(), row, "output reads back");
    }

    #[test]
    fn what_the_tables_cannot_hold_is_refused() {
        for (body, needle) in [
            (json!({"userName": "a", "title": "Boss"}), "\"title\""),
            (
                json!({"userName": "a", "name": {"middleName": "B"}}),
                "name.middleName",
            ),
            (
                json!({"userName": "a", "emails": [{"value": "a@x"}, {"value": "b@x"}]}),
                "one email per user, not 2",
            ),
            (
                json!({"userName": "a", "emails": [{"type": "work"}]}),
                "emails.value is required",
            ),
            (
                json!({"userName": "a", "emails": [{"value": "a@x", "display": "A"}]}),
                "emails.display",
            ),
            (json!({"userName": ""}), "userName is required"),
            (json!({"displayName": "x"}), "userName is required"),
            (json!({"userName": 5}), "userName must be a string"),
            (
                json!({"userName": "a", "active": "yes"}),
                "active must be true or false",
            ),
            (json!(["a"]), "must be a JSON object"),
        ] {
            let e = UserRow::from_json(&body).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{body}");
            assert!(e.detail().contains(needle), "{body}: {}", e.detail());
        }
    }

    #[test]
    fn profiles_hold_users_only() {
        let row = ProfileRow::from_json(&json!({
            "displayName": "Clerks",
            "members": [{"value": "a", "type": "User", "display": "x"}, {"value": "b"}]
        }))
        .unwrap();
        assert_eq!(row.members, ["a", "b"]);
        for (body, needle) in [
            (
                json!({"displayName": "C", "members": [{"value": "g", "type": "Group"}]}),
                "users only",
            ),
            (json!({"members": []}), "displayName is required"),
            (
                json!({"displayName": "C", "externalId": "x"}),
                "\"externalId\"",
            ),
            (
                json!({"displayName": "C", "members": [{"display": "x"}]}),
                "members.value is required",
            ),
        ] {
            let e = ProfileRow::from_json(&body).unwrap_err();
            assert!(e.detail().contains(needle), "{body}: {}", e.detail());
        }
        let out = ProfileRow::to_json("Clerks", &stamp(), "Group", Some(&[]));
        assert!(out.get("members").is_none(), "no members: left out");
    }
}
