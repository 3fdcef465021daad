//! The names the local stack gives its resources: what `Ref` and `Fn::GetAtt` return.
//!
//! Names and ARNs are known before anything is created (explicit `TableName`/`QueueName`/
//! `BucketName`…, else `{stack}-{LogicalId}`); queue URLs and stream ARNs are filled in by
//! provisioning, because only the emulator knows them.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::resolve::Resolver;
use crate::error::RunnerError;

/// What one resource resolves to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhysicalResource {
    /// The resource type.
    pub kind: String,
    /// The physical name (table, queue, bucket, identity, function name).
    pub name: String,
    /// What `Ref` returns (a queue's URL, a table's name, …), once known.
    pub reference: Option<String>,
    /// What `Fn::GetAtt` returns, by attribute name.
    pub attributes: BTreeMap<String, String>,
}

/// Physical resources by logical id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhysicalMap {
    resources: BTreeMap<String, PhysicalResource>,
}

/// Table, queue and bucket names are limited in length; keep the derived ones valid.
const MAX_NAME: usize = 63;

impl PhysicalMap {
    /// Names every active resource of the template. Name properties may use parameters and
    /// pseudo parameters, not other resources.
    pub fn plan(resolver: &Resolver<'_>) -> Result<Self, RunnerError> {
        let template = resolver.template();
        let stack = resolver.stack().clone();
        let arn = |service: &str, rest: &str| format!("arn:aws:{service}:{}:{}:{rest}", stack.region, stack.account_id);
        let empty = Self::default();
        let mut resources = BTreeMap::new();
        for (id, resource) in template.resources() {
            if !resolver.is_active(id)? {
                continue;
            }
            let explicit = |property: &str| -> Result<Option<String>, RunnerError> {
                match resource.properties.get(property) {
                    None | Some(Json::Null) => Ok(None),
                    Some(value) => resolver.resolve_string(&format!("{id}.{property}"), value, &empty).map(Some),
                }
            };
            let derived = || {
                let mut name = format!("{}-{id}", stack.stack_name);
                name.truncate(MAX_NAME);
                name
            };
            let mut attributes = BTreeMap::new();
            let (name, reference) = match resource.kind.as_str() {
                "AWS::DynamoDB::Table" => {
                    let name = explicit("TableName")?.unwrap_or_else(derived);
                    attributes.insert("Arn".into(), arn("dynamodb", &format!("table/{name}")));
                    (name.clone(), Some(name))
                }
                "AWS::SQS::Queue" => {
                    let fifo = resource.properties.get("FifoQueue").is_some_and(|v| v == true || v == "true");
                    let name = match explicit("QueueName")? {
                        Some(name) => name,
                        None if fifo => format!("{}.fifo", derived()),
                        None => derived(),
                    };
                    attributes.insert("Arn".into(), arn("sqs", &name));
                    attributes.insert("QueueName".into(), name.clone());
                    (name, None)
                }
                "AWS::S3::Bucket" => {
                    let name = explicit("BucketName")?.unwrap_or_else(|| derived().to_lowercase());
                    attributes.insert("Arn".into(), format!("arn:aws:s3:::{name}"));
                    attributes.insert("DomainName".into(), format!("{name}.s3.amazonaws.com"));
                    attributes.insert("RegionalDomainName".into(), format!("{name}.s3.{}.amazonaws.com", stack.region));
                    (name.clone(), Some(name))
                }
                "AWS::SES::EmailIdentity" => {
                    let name = explicit("EmailIdentity")?
                        .ok_or_else(|| RunnerError::template(format!("{id}: EmailIdentity is required")))?;
                    (name.clone(), Some(name))
                }
                "AWS::Serverless::Function" | "AWS::Lambda::Function" => {
                    let name = explicit("FunctionName")?.unwrap_or_else(derived);
                    attributes.insert("Arn".into(), arn("lambda", &format!("function:{name}")));
                    (name.clone(), Some(name))
                }
                "AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api" => {
                    let name = local_api_id(id);
                    (name.clone(), Some(name))
                }
                _ => {
                    let name = derived();
                    attributes.insert("Arn".into(), arn("local", &name));
                    (name.clone(), Some(name))
                }
            };
            resources.insert(id.clone(), PhysicalResource { kind: resource.kind.clone(), name, reference, attributes });
        }
        Ok(Self { resources })
    }

    /// The resource `logical_id`.
    pub fn get(&self, logical_id: &str) -> Option<&PhysicalResource> {
        self.resources.get(logical_id)
    }

    /// Every resource, by logical id.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &PhysicalResource)> {
        self.resources.iter()
    }

    /// What `Ref logical_id` returns, when known.
    pub fn reference(&self, logical_id: &str) -> Option<&str> {
        self.resources.get(logical_id)?.reference.as_deref()
    }

    /// What `Fn::GetAtt logical_id.attribute` returns, when known.
    pub fn attribute(&self, logical_id: &str, attribute: &str) -> Option<&str> {
        self.resources.get(logical_id)?.attributes.get(attribute).map(String::as_str)
    }

    /// Records what `Ref` returns (e.g. a queue URL learnt from the emulator).
    pub(crate) fn set_reference(&mut self, logical_id: &str, reference: String) {
        if let Some(resource) = self.resources.get_mut(logical_id) {
            resource.reference = Some(reference);
        }
    }

    /// Records an attribute (e.g. `StreamArn`, `QueueUrl`).
    pub(crate) fn set_attribute(&mut self, logical_id: &str, attribute: &str, value: String) {
        if let Some(resource) = self.resources.get_mut(logical_id) {
            resource.attributes.insert(attribute.to_owned(), value);
        }
    }
}

/// A stable API id for an HttpApi (real ones are 10 lowercase alphanumerics).
fn local_api_id(logical_id: &str) -> String {
    let mut id: String =
        logical_id.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    id.truncate(10);
    if id.is_empty() { "localapi".to_owned() } else { id }
}
