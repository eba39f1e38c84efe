//! Request bodies checked against the OpenAPI document before they are read, so the server
//! refuses exactly what the document forbids. serde alone is laxer than the document (it reads
//! an object from an array, ignores a pattern or a length, and counts no items), and every such
//! gap is a request the document forbids and the server would take.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use jsonschema::{Draft, Validator};
use serde_json::Value;

use super::error::{ApiResult, Failure};
use super::openapi;

/// The validator of each schema of the document's components, made once.
fn validators() -> &'static HashMap<String, Validator> {
    static VALIDATORS: OnceLock<HashMap<String, Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let document: Value =
            serde_json::from_str(&openapi::document()).expect("the document is JSON");
        let names: Vec<String> = document["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.keys().cloned().collect())
            .unwrap_or_default();
        names
            .into_iter()
            .map(|name| {
                // The document itself is the root, so every `$ref` inside it resolves.
                let mut root = document.clone();
                root["$ref"] = Value::String(format!("#/components/schemas/{name}"));
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("the schema {name} compiles: {e}"));
                (name, validator)
            })
            .collect()
    })
}

/// A JSON pointer into a body as the API names a field: `/recipients/0/crmId` is
/// `recipients[0].crmId`, `/0/crmId` (an array body) is `[0].crmId`, the body itself `body`.
fn field_of(pointer: &str) -> String {
    let mut field = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            field.push_str(&format!("[{segment}]"));
        } else {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(&segment);
        }
    }
    if field.is_empty() {
        "body".to_owned()
    } else {
        field
    }
}

/// Longest refusal message: the validator's quote the body it refused.
const MAX_MESSAGE_CHARS: usize = 300;

/// `value` with every float that is a whole number (up to 2^53, where floats stop being exact)
/// as an integer: JSON Schema counts `4039.0` as the integer 4039, as serde does not.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
                if float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0 {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// The body read as JSON and checked against the document's schema `schema`: a 422 naming the
/// first field it breaks, else the JSON.
pub fn documented_body(schema: &str, body: &Bytes) -> ApiResult<Value> {
    let mut json: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::invalid("body", format!("Invalid request body: {e}")))?;
    whole_numbers_as_integers(&mut json);
    let validator = validators()
        .get(schema)
        .ok_or_else(|| Failure::internal(format!("no schema {schema} in the document")))?;
    if let Err(error) = validator.validate(&json) {
        let field = field_of(error.instance_path.as_str());
        let mut message = format!("Invalid request body: {field}: {error}");
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
        }
        return Err(Failure::invalid(&field, message));
    }
    Ok(json)
}

/// A body of type `T` as the document's schema `schema` allows it.
pub fn parse_documented<T: serde::de::DeserializeOwned>(
    schema: &str,
    body: &Bytes,
) -> ApiResult<T> {
    serde_json::from_value(documented_body(schema, body)?)
        .map_err(|e| Failure::invalid("body", format!("Invalid request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ErrorCode;

    fn refusal(schema: &str, body: &str) -> (String, String) {
        let failure = documented_body(schema, &Bytes::from(body.to_owned())).unwrap_err();
        assert_eq!(failure.error.code, ErrorCode::InvalidParameter);
        (failure.error.field.unwrap(), failure.error.message)
    }

    #[test]
    fn a_body_the_document_forbids_is_refused_naming_the_field() {
        let one = r#"{"entity": "lead", "crmId": "L-1"}"#;
        for (body, field) in [
            (
                r#"{"templateId": 1, "recipients": []}"#.to_owned(),
                "recipients",
            ),
            (
                format!(r#"{{"templateId": 1, "recipients": [{one}], "subject": " "}}"#),
                "subject",
            ),
            (
                r#"{"templateId": 1, "recipients": [{"entity": "lead", "crmId": "\t"}]}"#
                    .to_owned(),
                "recipients[0].crmId",
            ),
            (
                format!(r#"{{"templateId": 1, "recipients": [{one}], "scheduledAt": "tomorrow"}}"#),
                "scheduledAt",
            ),
            (format!(r#"[1, null, [{one}]]"#), "body"),
            (
                format!(r#"{{"templateId": 1.5, "recipients": [{one}]}}"#),
                "templateId",
            ),
        ] {
            assert_eq!(refusal("SendRequest", &body).0, field, "{body}");
        }
        let (field, message) = refusal(
            "TokenRequest",
            r#"{"crmUser": "rep-ava", "ttlSeconds": 86401}"#,
        );
        assert_eq!(field, "ttlSeconds");
        assert!(message.contains("86400"), "{message}");
        let details = r#"[{"entity": "lead", "crmId": "L", "kind": "pageVisit",
                          "occurredAt": "2026-03-01T10:00:00Z", "details": [null]}]"#;
        // One activity or an array of them: which one it broke is the body's to say.
        assert_eq!(refusal("DevActivitiesIn", details).0, "body");
    }

    #[test]
    fn a_body_the_document_allows_is_read() {
        let request: crate::wire::SendRequest = parse_documented(
            "SendRequest",
            &Bytes::from_static(
                br#"{"templateId": 7.0, "recipients": [{"entity": "lead", "crmId": " L-1 ", "email": null}],
                    "scheduledAt": "2030-01-01T09:00:00+02:00"}"#,
            ),
        )
        .unwrap();
        assert_eq!(request.template_id, 7);
        assert_eq!(request.recipients[0].crm_id, " L-1 ");
        assert!(parse_documented::<crate::wire::DevActivityIn>(
            "DevActivityIn",
            &Bytes::from_static(br#"{"entity": "lead", "crmId": "L", "kind": "pageVisit", "occurredAt": "2026-03-01T10:00:00Z"}"#),
        )
        .is_ok());
    }

    #[test]
    fn pointers_read_as_field_names() {
        assert_eq!(field_of(""), "body");
        assert_eq!(field_of("/recipients/0/crmId"), "recipients[0].crmId");
        assert_eq!(
            field_of("/0/details/formFields/2/name"),
            "[0].details.formFields[2].name"
        );
        assert_eq!(field_of("/a~1b"), "a/b");
    }
}
