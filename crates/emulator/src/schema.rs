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

/// Properties Graph's answers carry that the description does not declare: (type, property, the
/// page that shows them). An open type may carry any, as OData allows; the emulator serves only
/// those a page shows.
pub const READ_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "identity",
        "tenantId",
        "microsoft-graph-docs-contrib: api-reference/v1.0/api/onlinemeeting-get.md, example 2's answer (`participants.organizer.identity.user`; `identity` is open)",
    ),
    (
        "identity",
        "identityProvider",
        "microsoft-graph-docs-contrib: api-reference/v1.0/api/onlinemeeting-get.md, example 2's answer (`\"identityProvider\": \"AAD\"`; `identity` is open)",
    ),
    (
        "meetingParticipants",
        "producers",
        "microsoft-graph-docs-contrib: api-reference/v1.0/api/onlinemeeting-get.md, example 2's answer (`\"producers\": []`)",
    ),
    (
        "meetingParticipants",
        "contributors",
        "microsoft-graph-docs-contrib: api-reference/v1.0/api/onlinemeeting-get.md, example 2's answer (`\"contributors\": []`)",
    ),
];

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
    /// Navigation properties: how a URL goes on from an entity of this type (`events`).
    navs: Vec<Prop>,
}

/// What a successful answer to a request path carries, as the description resolves the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The entity type (`event`).
    pub ty: String,
    /// A collection (`{"value": [...]}`) rather than one entity.
    pub collection: bool,
}

/// The parsed description.
#[derive(Debug)]
pub struct Schema {
    types: HashMap<String, Type>,
    /// Entity sets (collections) and singletons by name: their type.
    roots: HashMap<String, Answer>,
    /// Bound actions by (binding type, action name, lower case): their parameters.
    actions: HashMap<(String, String), Vec<Prop>>,
    /// Bound functions by (binding type, bound to its collection, name): what they return.
    functions: HashMap<(String, bool, String), Answer>,
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
    let mut roots = HashMap::new();
    let mut functions = HashMap::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let name = n.attribute("Name").unwrap_or_default().to_string();
        let children = |n: roxmltree::Node, tags: &[&str]| -> Vec<Prop> {
            n.children()
                .filter(|c| tags.iter().any(|t| c.has_tag_name(*t)))
                .map(|c| Prop {
                    name: c.attribute("Name").unwrap_or_default().to_string(),
                    ty: c.attribute("Type").unwrap_or_default().to_string(),
                    nullable: c.attribute("Nullable") != Some("false"),
                })
                .collect()
        };
        let props = |n| children(n, &["Property", "Parameter"]);
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
                        navs: children(n, &["NavigationProperty"]),
                    },
                );
            }
            "EntitySet" | "Singleton" => {
                let ty = n
                    .attribute("EntityType")
                    .or(n.attribute("Type"))
                    .unwrap_or_default();
                roots.insert(
                    name,
                    Answer {
                        ty: ty.trim_start_matches("microsoft.graph.").to_string(),
                        collection: n.has_tag_name("EntitySet"),
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
                        navs: Vec::new(),
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
            "Function" if n.attribute("IsBound") == Some("true") => {
                let params = props(n);
                let returns = n
                    .children()
                    .find(|c| c.has_tag_name("ReturnType"))
                    .and_then(|r| r.attribute("Type"));
                if let (Some(binding), Some(returns)) = (
                    params.first().filter(|p| p.name == "bindingParameter"),
                    returns,
                ) {
                    let (ty, many) = collection_of(&binding.ty);
                    let (ret, ret_many) = collection_of(returns);
                    functions.insert(
                        (ty, many, name.to_ascii_lowercase()),
                        Answer {
                            ty: ret,
                            collection: ret_many,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    Schema {
        types,
        roots,
        actions,
        functions,
    }
}

/// How to check a body.
#[derive(Clone, Copy)]
pub struct Rules {
    /// Refuse undeclared properties at the top even when the description calls the type open.
    pub closed_top: bool,
}

/// `Collection(graph.event)` → (`event`, true); `graph.event` → (`event`, false).
fn collection_of(ty: &str) -> (String, bool) {
    match ty
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        Some(inner) => (strip(inner), true),
        None => (strip(ty), false),
    }
}

/// `servicePrincipals(appId='…')` → (`servicePrincipals`, a key); `users` → (`users`, none).
fn split_key(seg: &str) -> (&str, bool) {
    match seg.split_once('(') {
        Some((name, _)) => (name, true),
        None => (seg, false),
    }
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

    /// The declared type of a structural property of `ty` (or its bases), by name in any case.
    pub fn property_type(&self, ty: &str, name: &str) -> Option<&str> {
        self.props_of(ty)
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.ty.as_str())
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
        self.check_object(ty, body, !rules.closed_top, false)
    }

    /// What a successful answer to a request path (the segments after `/v1.0/`, decoded) carries,
    /// found as OData resolves a URL: an entity set or singleton, then keys, navigation
    /// properties and casts. `Ok(None)`: nothing to check (a bound action, `$count`, `$batch`, whose
    /// inner answers are checked one by one). `Err`: the description has no such path.
    pub fn answer_of(&self, segments: &[&str]) -> Result<Option<Answer>, String> {
        let Some((first, rest)) = segments.split_first() else {
            return Err("the service root is not served".into());
        };
        if *first == "$batch" {
            return Ok(None);
        }
        let (name, key) = split_key(first);
        let mut cur =
            self.roots.get(name).cloned().ok_or_else(|| {
                format!("the description has no entity set or singleton '{name}'")
            })?;
        if key {
            cur.collection = false;
        }
        for seg in rest {
            if seg.starts_with('$') {
                return Ok(None);
            }
            let (name, key) = split_key(seg);
            let function = (cur.ty.clone(), cur.collection, name.to_ascii_lowercase());
            if let Some(returns) = self.functions.get(&function) {
                cur = returns.clone();
                continue;
            }
            // A cast keeps a collection a collection (`memberOf/microsoft.graph.directoryRole`).
            if let Some(cast) = name.strip_prefix("microsoft.graph.") {
                if !self.derives(cast, &cur.ty) {
                    return Err(format!("'{cast}' does not derive from '{}'", cur.ty));
                }
                cur.ty = cast.to_string();
                continue;
            }
            if cur.collection {
                cur.collection = false; // the segment is a key
                continue;
            }
            let step = self
                .navs_of(&cur.ty)
                .into_iter()
                .chain(self.props_of(&cur.ty))
                .find(|p| p.name == name);
            if let Some(p) = step {
                let inner =
                    p.ty.strip_prefix("Collection(")
                        .and_then(|t| t.strip_suffix(')'));
                cur = Answer {
                    ty: strip(inner.unwrap_or(&p.ty)),
                    collection: inner.is_some() && !key,
                };
                continue;
            }
            if self.action_of(&cur.ty, name).is_some() {
                return Ok(None);
            }
            return Err(format!(
                "the type '{}' has no navigation property, property or action '{name}'",
                cur.ty
            ));
        }
        Ok(Some(cur))
    }

    /// Check a successful answer against the description: every property declared (or listed in
    /// [`READ_EXCEPTIONS`]) and spelled as declared, every value of its declared type, enum
    /// literals members as spelled, no `null` where the property is not nullable, `@odata.type`
    /// naming the type or one derived from it.
    pub fn check_answer(&self, answer: &Answer, body: &Value) -> Result<(), String> {
        if !answer.collection {
            return self.check_object(&answer.ty, body, false, true);
        }
        let Value::Object(map) = body else {
            return Err("a collection answer is not a JSON object".into());
        };
        let Some(Value::Array(items)) = map.get("value") else {
            return Err("a collection answer has no `value` array".into());
        };
        if let Some(k) = map
            .keys()
            .find(|k| *k != "value" && !k.starts_with("@odata."))
        {
            return Err(format!("a collection answer has '{k}' beside `value`"));
        }
        items
            .iter()
            .try_for_each(|i| self.check_object(&answer.ty, i, false, true))
    }

    /// Whether `ty` is `base` or derives from it.
    fn derives(&self, ty: &str, base: &str) -> bool {
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur {
            if t == base {
                return true;
            }
            cur = self.types.get(&t).and_then(|x| x.base.clone());
        }
        false
    }

    fn navs_of(&self, ty: &str) -> Vec<&Prop> {
        let mut out = Vec::new();
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur.and_then(|t| self.types.get(&t)) {
            out.extend(t.navs.iter());
            cur = t.base.clone();
        }
        out
    }

    /// A bound action on `ty` or one of its bases.
    fn action_of(&self, ty: &str, action: &str) -> Option<&Vec<Prop>> {
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur {
            if let Some(a) = self.actions.get(&(t.clone(), action.to_ascii_lowercase())) {
                return Some(a);
            }
            cur = self.types.get(&t).and_then(|x| x.base.clone());
        }
        None
    }

    /// Check an action's body (`POST …/{action}`) bound to `binding`.
    pub fn check_action(&self, binding: &str, action: &str, body: &Value) -> Result<(), String> {
        let Some(params) = self.action_of(binding, action) else {
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
            self.check_value(&p.ty, &p.name, p.nullable, v, false)?;
        }
        Ok(())
    }

    /// One object of type `ty`. `read`: an answer (names and enum members as spelled, navigation
    /// properties may be expanded, undeclared ones refused even on open types).
    fn check_object(
        &self,
        ty: &str,
        v: &Value,
        allow_open: bool,
        read: bool,
    ) -> Result<(), String> {
        let Value::Object(map) = v else {
            return Err("An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected.".into());
        };
        let mut ty = ty.to_string();
        if let Some(named) = map.get("@odata.type") {
            let derived = named
                .as_str()
                .map(|n| {
                    n.trim_start_matches('#')
                        .trim_start_matches("microsoft.graph.")
                })
                .filter(|n| self.derives(n, &ty));
            match derived {
                Some(d) => ty = d.to_string(),
                None => {
                    return Err(format!(
                        "'@odata.type' {named} is not '{}' or a type derived from it",
                        qualified(&ty)
                    ))
                }
            }
        }
        let ty = ty.as_str();
        let props = self.props_of(ty);
        let navs = if read { self.navs_of(ty) } else { Vec::new() };
        for (k, val) in map {
            if k.starts_with('@') || k.contains("@odata.") {
                continue;
            }
            let same = |p: &&&Prop| {
                if read {
                    p.name == *k
                } else {
                    p.name.eq_ignore_ascii_case(k)
                }
            };
            if let Some(p) = navs.iter().find(same) {
                self.check_value(&p.ty, &p.name, true, val, read)?;
                continue;
            }
            match props.iter().find(same) {
                Some(p) => self.check_value(&p.ty, &p.name, p.nullable, val, read)?,
                None if allow_open && self.is_open(ty) => {}
                None if read
                    && READ_EXCEPTIONS
                        .iter()
                        .any(|(t, p, _)| self.derives(ty, t) && p == k) => {}
                None if read => {
                    return Err(format!(
                        "'{k}' is not a property of '{}' (as spelled)",
                        qualified(ty)
                    ))
                }
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

    fn check_value(
        &self,
        ty: &str,
        name: &str,
        nullable: bool,
        v: &Value,
        read: bool,
    ) -> Result<(), String> {
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
                .try_for_each(|i| self.check_value(inner, name, false, i, read));
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
                        let is = |m: &str| {
                            members.iter().any(|x| {
                                if read {
                                    x == m.trim()
                                } else {
                                    x.eq_ignore_ascii_case(m.trim())
                                }
                            })
                        };
                        if *flags {
                            s.split(',').all(is)
                        } else {
                            is(s)
                        }
                    }),
                    Some(Kind::Structured { .. }) => return self.check_object(&t, v, !read, read),
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

    #[test]
    fn request_paths_resolve_to_their_answers_type() {
        let s = schema();
        let of = |p: &str| {
            let segs: Vec<&str> = p.split('/').collect();
            s.answer_of(&segs)
        };
        let one = |ty: &str| {
            Ok(Some(Answer {
                ty: ty.into(),
                collection: false,
            }))
        };
        let many = |ty: &str| {
            Ok(Some(Answer {
                ty: ty.into(),
                collection: true,
            }))
        };
        assert_eq!(of("users"), many("user"));
        assert_eq!(of("users/u1/calendar/events"), many("event"));
        assert_eq!(of("me/calendarView"), many("event"));
        assert_eq!(of("users/u1/events/e1/instances"), many("event"));
        assert_eq!(
            of("users/u1/onlineMeetings/m1/attendanceReports/r1/attendanceRecords"),
            many("attendanceRecord")
        );
        assert_eq!(of("servicePrincipals(appId='x')"), one("servicePrincipal"));
        assert_eq!(
            of("servicePrincipals/s1/appRoleAssignedTo"),
            many("appRoleAssignment")
        );
        assert_eq!(
            of("solutions/virtualEvents/webinars/w1/registrationConfiguration"),
            one("virtualEventWebinarRegistrationConfiguration")
        );
        assert_eq!(of("users/u1/events/e1/cancel"), Ok(None));
        assert_eq!(
            of("solutions/virtualEvents/webinars/getByUserIdAndRole(userId='u',role='organizer')"),
            many("virtualEventWebinar")
        );
        assert_eq!(of("users/$count"), Ok(None));
        assert!(of("users/u1/lunch").is_err());
        assert!(of("groups").is_err());
    }

    #[test]
    fn answers_that_deviate_are_found() {
        let s = schema();
        let event = Answer {
            ty: "event".into(),
            collection: false,
        };
        let good = json!({"@odata.context": "x", "id": "e", "subject": "S", "importance": "high",
            "isOnlineMeeting": true, "start": {"dateTime": "2026-01-05T10:00:00.0000000", "timeZone": "UTC"},
            "attendees": [], "categories": []});
        s.check_answer(&event, &good).unwrap();
        let bad = [
            (json!({"importance": "High"}), "'High'"),
            (json!({"subject": 5}), "'5'"),
            (json!({"mood": "calm"}), "'mood' is not a property"),
            (json!({"Subject": "S"}), "'Subject' is not a property"),
            (json!({"cancelledOccurrences": null}), "does not allow null"),
            (json!({"start": {"dateTime": "x", "zone": "UTC"}}), "'zone'"),
            (
                json!({"@odata.type": "#microsoft.graph.user"}),
                "'@odata.type'",
            ),
        ];
        for (body, want) in bad {
            let e = s.check_answer(&event, &body).expect_err(&body.to_string());
            assert!(e.contains(want), "{body}: {e}");
        }
        let list = Answer {
            ty: "user".into(),
            collection: true,
        };
        s.check_answer(
            &list,
            &json!({"@odata.nextLink": "x", "value": [{"id": "u"}]}),
        )
        .unwrap();
        assert!(s.check_answer(&list, &json!({"value": {}})).is_err());
        assert!(s
            .check_answer(&list, &json!({"value": [], "next": "x"}))
            .is_err());
        // Open types carry only what a page shows; a derived type by `@odata.type`.
        let record = Answer {
            ty: "attendanceRecord".into(),
            collection: false,
        };
        s.check_answer(&record, &json!({"identity": {"@odata.type": "#microsoft.graph.azureCommunicationServicesUserIdentity", "id": "8:acs:x", "azureCommunicationServicesResourceId": "r"}}))
            .unwrap();
        assert!(s
            .check_answer(
                &record,
                &json!({"identity": {"id": "x", "azureCommunicationServicesResourceId": "r"}})
            )
            .is_err());
    }

    #[test]
    fn webinar_bodies_are_held_to_the_description() {
        let s = schema();
        let good = json!({"displayName": "Intro", "audience": "organization",
            "startDateTime": {"dateTime": "2026-01-05T10:00:00", "timeZone": "UTC"},
            "endDateTime": {"dateTime": "2026-01-05T11:00:00", "timeZone": "UTC"},
            "description": {"contentType": "text", "content": "x"}});
        s.check_write("virtualEventWebinar", &good, CLOSED).unwrap();
        for (body, want) in [
            (json!({"audience": "students"}), "'students'"),
            (json!({"displayName": ["a"]}), "Edm.String"),
            (json!({"title": "x"}), "'title' does not exist"),
        ] {
            let e = s
                .check_write("virtualEventWebinar", &body, CLOSED)
                .expect_err(&body.to_string());
            assert!(e.contains(want), "{body}: {e}");
        }
        s.check_action("virtualEventWebinar", "publish", &json!({}))
            .unwrap();
        assert!(s
            .check_action("virtualEventWebinar", "publish", &json!({"when": "now"}))
            .is_err());
    }
}
