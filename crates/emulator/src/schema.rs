//! Microsoft's own description of Graph v1.0 (the CSDL its OpenAPI files are generated from), the
//! part the emulator serves (`data/graph-v1.0-csdl-subset.xml`, made by `scripts/csdl-subset.mjs`
//! from `microsoftgraph/msgraph-metadata` `clean_v10_metadata/cleanMetadata.xml`; its header names
//! the commit), parsed once, and request bodies checked against it the way Graph's OData reader
//! refuses them: a property the type does not declare, a value of the wrong JSON type, a literal
//! that is not a member of the enum, `null` where the property is not nullable, a parameter an
//! action does not take. Property and parameter names match case-insensitively, as Graph's do.
//!
//! Answers Graph gives (code `RequestBodyRead`, OData's messages): "Cannot convert the literal '0'
//! to the expected type 'Edm.Boolean'." (OfficeDev/O365-iOS-Snippets#8); "The property 'event' does
//! not exist on type 'Microsoft.OutlookServices.Event'. Make sure to only use property names that
//! are defined by the type" (microsoftgraph/msgraph-sdk-javascript#212).
//!
//! Where the docs and real answers differ from the description, they win (each listed in
//! [`EXCEPTIONS`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

const CSDL: &str = include_str!("../data/graph-v1.0-csdl-subset.xml");

/// Where Graph answers otherwise than its description says.
pub const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "event is an open type in the CSDL, but Outlook refuses properties it does not declare",
        "microsoftgraph/msgraph-sdk-javascript#212: \"The property 'event' does not exist on type 'Microsoft.OutlookServices.Event'\"",
    ),
    (
        "event's cancel takes `Comment` in the CSDL, `comment` in the docs' table and example; Graph reads parameter names case-insensitively",
        "microsoft-graph-docs-contrib: api-reference/v1.0/api/event-cancel.md (request body `{\"comment\": …}`)",
    ),
];

#[derive(Debug)]
enum Kind {
    Structured { open: bool },
    Enum { members: Vec<String>, flags: bool },
}

#[derive(Debug)]
struct Prop {
    name: String,
    ty: String,
    nullable: bool,
}

#[derive(Debug)]
struct Type {
    base: Option<String>,
    kind: Kind,
    props: Vec<Prop>,
}

/// The parsed description.
#[derive(Debug)]
pub struct Schema {
    types: HashMap<String, Type>,
    /// Bound actions by (binding type, action name, lower case): their parameters.
    actions: HashMap<(String, String), Vec<Prop>>,
}

fn strip(ty: &str) -> String {
    ty.trim_start_matches("graph.").to_string()
}

/// The description, parsed on first use.
pub fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| parse(CSDL))
}

fn parse(text: &str) -> Schema {
    let doc = roxmltree::Document::parse(text)
        .unwrap_or_else(|e| panic!("the bundled CSDL does not parse: {e}"));
    let mut types = HashMap::new();
    let mut actions = HashMap::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let name = n.attribute("Name").unwrap_or_default().to_string();
        let props = |n: roxmltree::Node| -> Vec<Prop> {
            n.children()
                .filter(|c| c.has_tag_name("Property") || c.has_tag_name("Parameter"))
                .map(|c| Prop {
                    name: c.attribute("Name").unwrap_or_default().to_string(),
                    ty: c.attribute("Type").unwrap_or_default().to_string(),
                    nullable: c.attribute("Nullable") != Some("false"),
                })
                .collect()
        };
        match n.tag_name().name() {
            "EntityType" | "ComplexType" => {
                types.insert(
                    name,
                    Type {
                        base: n.attribute("BaseType").map(strip),
                        kind: Kind::Structured {
                            open: n.attribute("OpenType") == Some("true"),
                        },
                        props: props(n),
                    },
                );
            }
            "EnumType" => {
                let members = n
                    .children()
                    .filter(|c| c.has_tag_name("Member"))
                    .filter_map(|c| c.attribute("Name").map(str::to_string))
                    .collect();
                types.insert(
                    name,
                    Type {
                        base: None,
                        kind: Kind::Enum {
                            members,
                            flags: n.attribute("IsFlags") == Some("true"),
                        },
                        props: Vec::new(),
                    },
                );
            }
            "Action" if n.attribute("IsBound") == Some("true") => {
                let params = props(n);
                if let Some(binding) = params.first().filter(|p| p.name == "bindingParameter") {
                    let binding = strip(
                        binding
                            .ty
                            .trim_start_matches("Collection(")
                            .trim_end_matches(')'),
                    );
                    actions.insert(
                        (binding, name.to_ascii_lowercase()),
                        params.into_iter().skip(1).collect(),
                    );
                }
            }
            _ => {}
        }
    }
    Schema { types, actions }
}

/// How to check a body.
#[derive(Clone, Copy)]
pub struct Rules {
    /// Refuse undeclared properties at the top even when the description calls the type open.
    pub closed_top: bool,
}

fn qualified(ty: &str) -> String {
    if ty.starts_with("Edm.") {
        ty.to_string()
    } else {
        format!("microsoft.graph.{}", strip(ty))
    }
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn convert(v: &Value, ty: &str) -> String {
    format!(
        "Cannot convert the literal '{}' to the expected type '{}'.",
        literal(v),
        qualified(ty)
    )
}

impl Schema {
    /// Whether the description has this type (`event`, `emailAddress`, …).
    pub fn has(&self, ty: &str) -> bool {
        self.types.contains_key(ty)
    }

    /// A literal of an enum type as the description spells the member (`High` → `high`), or
    /// `None` when it is not one: what Graph stores and answers.
    pub fn member(&self, enum_type: &str, literal: &str) -> Option<&str> {
        match &self.types.get(enum_type)?.kind {
            Kind::Enum { members, .. } => members
                .iter()
                .find(|m| m.eq_ignore_ascii_case(literal.trim()))
                .map(String::as_str),
            Kind::Structured { .. } => None,
        }
    }

    /// The declared properties of a structured type and its bases.
    fn props_of(&self, ty: &str) -> Vec<&Prop> {
        let mut out = Vec::new();
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur.and_then(|t| self.types.get(&t)) {
            out.extend(t.props.iter());
            cur = t.base.clone();
        }
        out
    }

    fn is_open(&self, ty: &str) -> bool {
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur.and_then(|t| self.types.get(&t)) {
            if let Kind::Structured { open: true } = t.kind {
                return true;
            }
            cur = t.base.clone();
        }
        false
    }

    /// Check a request body for a write of an entity of type `ty`: `Err` is Graph's message.
    pub fn check_write(&self, ty: &str, body: &Value, rules: Rules) -> Result<(), String> {
        self.check_object(ty, body, !rules.closed_top)
    }

    /// Check an action's body (`POST …/{action}`) bound to `binding`.
    pub fn check_action(&self, binding: &str, action: &str, body: &Value) -> Result<(), String> {
        let Some(params) = self
            .actions
            .get(&(binding.to_string(), action.to_ascii_lowercase()))
        else {
            return Ok(());
        };
        let Value::Object(map) = body else {
            return Err("The parameter payload must be a JSON object.".into());
        };
        for (k, v) in map {
            if k.starts_with('@') {
                continue;
            }
            let Some(p) = params.iter().find(|p| p.name.eq_ignore_ascii_case(k)) else {
                return Err(format!(
                    "The parameter '{k}' in the request payload is not a valid parameter for the operation '{action}'."
                ));
            };
            self.check_value(&p.ty, &p.name, p.nullable, v)?;
        }
        Ok(())
    }

    fn check_object(&self, ty: &str, v: &Value, allow_open: bool) -> Result<(), String> {
        let Value::Object(map) = v else {
            return Err("An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected.".into());
        };
        let props = self.props_of(ty);
        for (k, val) in map {
            if k.starts_with('@') || k.contains("@odata.") {
                continue;
            }
            match props.iter().find(|p| p.name.eq_ignore_ascii_case(k)) {
                Some(p) => self.check_value(&p.ty, &p.name, p.nullable, val)?,
                None if allow_open && self.is_open(ty) => {}
                None => {
                    return Err(format!(
                        "The property '{k}' does not exist on type '{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                        qualified(ty)
                    ))
                }
            }
        }
        Ok(())
    }

    fn check_value(&self, ty: &str, name: &str, nullable: bool, v: &Value) -> Result<(), String> {
        if v.is_null() {
            return if nullable {
                Ok(())
            } else {
                Err(format!("A null value was found for the property named '{name}', which has the expected type '{}[Nullable=False]'. The expected type '{}[Nullable=False]' does not allow null values.", qualified(ty), qualified(ty)))
            };
        }
        if let Some(inner) = ty
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            let Value::Array(items) = v else {
                return Err("An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartArray' node was expected.".into());
            };
            return items
                .iter()
                .try_for_each(|i| self.check_value(inner, name, false, i));
        }
        let ok = match ty {
            "Edm.String" => v.is_string(),
            "Edm.Boolean" => v.is_boolean(),
            "Edm.Int32" | "Edm.Int64" | "Edm.Int16" | "Edm.Byte" => v.is_i64() || v.is_u64(),
            "Edm.Double" | "Edm.Single" | "Edm.Decimal" => v.is_number(),
            "Edm.DateTimeOffset" => v
                .as_str()
                .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
            "Edm.Date" => v
                .as_str()
                .is_some_and(|s| s.parse::<jiff::civil::Date>().is_ok()),
            "Edm.TimeOfDay" => v
                .as_str()
                .is_some_and(|s| s.parse::<jiff::civil::Time>().is_ok()),
            "Edm.Duration" => v.as_str().is_some_and(|s| s.parse::<jiff::Span>().is_ok()),
            "Edm.Guid" => v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
            "Edm.Binary" => v.as_str().is_some_and(|s| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.decode(s).is_ok()
            }),
            t if t.starts_with("Edm.") => true,
            t => {
                let t = strip(t);
                match self.types.get(&t).map(|x| &x.kind) {
                    Some(Kind::Enum { members, flags }) => v.as_str().is_some_and(|s| {
                        let is = |m: &str| members.iter().any(|x| x.eq_ignore_ascii_case(m.trim()));
                        if *flags {
                            s.split(',').all(is)
                        } else {
                            is(s)
                        }
                    }),
                    Some(Kind::Structured { .. }) => return self.check_object(&t, v, true),
                    None => true,
                }
            }
        };
        if ok {
            Ok(())
        } else {
            Err(convert(v, ty))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CLOSED: Rules = Rules { closed_top: true };

    #[test]
    fn the_description_is_whole_and_parsed() {
        let s = schema();
        for t in [
            "event",
            "emailAddress",
            "dateTimeTimeZone",
            "patternedRecurrence",
            "dayOfWeek",
            "organization",
        ] {
            assert!(s.has(t), "{t}");
        }
    }

    #[test]
    fn bodies_graph_refuses_are_refused_with_its_message() {
        let s = schema();
        let bad = [
            (
                json!({"attendees": [{"type": "mandatory", "emailAddress": {"address": "a@b.c"}}]}),
                "'mandatory' to the expected type 'microsoft.graph.attendeeType'",
            ),
            (
                json!({"recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["funday"]}, "range": {"type": "noEnd", "startDate": "2026-01-05"}}}),
                "'funday'",
            ),
            (
                json!({"recurrence": {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "forever", "startDate": "2026-01-05"}}}),
                "'forever'",
            ),
            (
                json!({"subject": 123}),
                "'123' to the expected type 'Edm.String'",
            ),
            (
                json!({"isOnlineMeeting": "yes"}),
                "'yes' to the expected type 'Edm.Boolean'",
            ),
            (
                json!({"recurrence": {"pattern": {"type": "daily", "interval": "2"}, "range": {"type": "noEnd", "startDate": "2026-01-05"}}}),
                "'2' to the expected type 'Edm.Int32'",
            ),
            (
                json!({"start": {"dateTime": "2026-01-05T10:00:00", "timeZone": "UTC", "zone": "x"}}),
                "'zone' does not exist on type 'microsoft.graph.dateTimeTimeZone'",
            ),
            (
                json!({"attendees": [{"emailAddress": {"address": "a@b.c", "display": "A"}}]}),
                "'display' does not exist on type 'microsoft.graph.emailAddress'",
            ),
            (
                json!({"event": {}}),
                "'event' does not exist on type 'microsoft.graph.event'",
            ),
            (
                json!({"cancelledOccurrences": null}),
                "does not allow null values",
            ),
        ];
        for (body, want) in bad {
            let e = s
                .check_write("event", &body, CLOSED)
                .expect_err(&body.to_string());
            assert!(e.contains(want), "{body}: {e}");
        }
        let good = json!({
            "subject": "Q&A", "isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness",
            "allowNewTimeProposals": false, "showAs": "tentative", "importance": "High",
            "start": {"dateTime": "2026-01-05T10:00:00", "timeZone": "W. Europe Standard Time"},
            "attendees": [{"type": "required", "emailAddress": {"address": "a@b.c", "name": "A"}}],
            "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 5}, "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 3}},
            "@odata.type": "#microsoft.graph.event",
        });
        s.check_write("event", &good, CLOSED).unwrap();
    }

    #[test]
    fn enum_literals_take_the_descriptions_spelling() {
        let s = schema();
        assert_eq!(s.member("importance", "HIGH"), Some("high"));
        assert_eq!(
            s.member("freeBusyStatus", "workingelsewhere"),
            Some("workingElsewhere")
        );
        assert_eq!(
            s.member("recurrencePatternType", "absolutemonthly"),
            Some("absoluteMonthly")
        );
        assert_eq!(s.member("importance", "urgent"), None);
        assert_eq!(s.member("event", "x"), None);
    }

    #[test]
    fn actions_take_only_their_parameters() {
        let s = schema();
        s.check_action("event", "cancel", &json!({"comment": "Moved"}))
            .unwrap();
        s.check_action("event", "cancel", &json!({"Comment": "Moved"}))
            .unwrap();
        assert!(s
            .check_action("event", "cancel", &json!({"reason": "x"}))
            .is_err());
        assert!(s
            .check_action("event", "cancel", &json!({"comment": 5}))
            .is_err());
        assert!(s.check_action("event", "cancel", &json!("text")).is_err());
    }
}
