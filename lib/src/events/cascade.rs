//! What a removed account or media takes with it. Each step is a keyed delete (or an edge
//! delete with its counter, in one transaction), so replays change nothing.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};

use super::table::attr;
use crate::ctx::Ctx;
use crate::domain::{DomainError, Media, Username};
use crate::store::error::OpContext;
use crate::store::item::{Item, ItemExt, n, s};
use crate::store::keys;
use crate::store::search::SearchDoc;

/// Every item of a Query (all pages).
async fn query_all(ctx: &Ctx, index: Option<&str>, pk_attr: &str, pk: &str) -> Result<Vec<Item>, DomainError> {
    Ok(ctx.store.query_all(index, pk_attr, pk, "cascade query").await?)
}

/// Deletes items by key.
async fn delete_all(ctx: &Ctx, items: &[Item]) -> Result<(), DomainError> {
    Ok(ctx.store.delete_items(items, "cascade delete").await?)
}

/// Deletes an edge and decrements the counter it contributed to, in one transaction; when the
/// counted item is gone, deletes the edge alone.
async fn delete_counted(ctx: &Ctx, edge: &Item, counted: (String, String), attribute: &str) -> Result<(), DomainError> {
    let store = &ctx.store;
    let (pk, sk) = (edge.req_s("PK")?, edge.req_s("SK")?);
    let del = Delete::builder()
        .table_name(store.table())
        .key("PK", s(&pk))
        .key("SK", s(&sk))
        .condition_expression("attribute_exists(PK)")
        .build()
        .op("build edge delete")?;
    let count = Update::builder()
        .table_name(store.table())
        .key("PK", s(counted.0))
        .key("SK", s(counted.1))
        .condition_expression("attribute_exists(PK)")
        .update_expression("ADD #c :d")
        .expression_attribute_names("#c", attribute)
        .expression_attribute_values(":d", n(-1))
        .build()
        .op("build counter")?;
    let done = store
        .transact_counted(
            vec![TransactWriteItem::builder().delete(del).build()],
            vec![TransactWriteItem::builder().update(count).build()],
            "cascade edge",
        )
        .await;
    match done {
        Ok(_) => Ok(()),
        // The counted item is gone: only the edge is left to delete.
        Err(DomainError::NotFound(_)) => delete_all(ctx, std::slice::from_ref(edge)).await,
        Err(e) => Err(e),
    }
}

/// A deleted account: its remaining partition items, medias, follow edges (both ways, with
/// the other users' counters), likes and reposts (with the targets' counters).
pub async fn on_user_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (Some(name), Some(uid)) = (attr(old, "username"), attr(old, "uid")) else {
        return Ok(());
    };
    let username = Username::parse(&name).map_err(DomainError::Internal)?;
    // Sessions and codes of this account (never a newer account that took the name).
    let own: Vec<Item> = query_all(ctx, None, "PK", &keys::user_pk(&username))
        .await?
        .into_iter()
        .filter(|it| {
            it.opt_s("uid").as_deref() == Some(uid.as_str()) && it.opt_s("SK").as_deref() != Some(keys::PROFILE)
        })
        .collect();
    delete_all(ctx, &own).await?;
    // Medias: deleting each item lets its own REMOVE event clean up after it.
    let medias: Vec<Item> = query_all(ctx, Some("GSI2"), "GSI2PK", &keys::owner_medias(&username))
        .await?
        .into_iter()
        .filter(|it| it.opt_s("ownerUid").as_deref() == Some(uid.as_str()))
        .collect();
    delete_all(ctx, &medias).await?;
    // Whom they followed: each followee loses a follower.
    for edge in query_all(ctx, None, "PK", &keys::follow_pk(&username)).await? {
        if edge.opt_s("followerUid").as_deref() != Some(uid.as_str()) {
            continue;
        }
        let followee = edge.req_s("followee")?;
        delete_counted(ctx, &edge, (format!("USER#{followee}"), keys::PROFILE.into()), "followers").await?;
    }
    // Who followed them: each follower follows one fewer.
    for edge in query_all(ctx, Some("GSI1"), "GSI1PK", &keys::followers_of(&username)).await? {
        if edge.opt_s("followeeUid").as_deref() != Some(uid.as_str()) {
            continue;
        }
        let follower = edge.req_s("follower")?;
        delete_counted(ctx, &edge, (format!("USER#{follower}"), keys::PROFILE.into()), "followings").await?;
    }
    // Their likes and reposts: each target loses one.
    for (kind, counter) in [("LIKE", "likes"), ("REPOST", "reposts")] {
        for edge in query_all(ctx, Some("GSI1"), "GSI1PK", &keys::user_reactions(kind, &username)).await? {
            if edge.opt_s("uid").as_deref() != Some(uid.as_str()) {
                continue;
            }
            let pk = edge.req_s("PK")?;
            let sk = if pk.starts_with("COMMENT#") { "COMMENT" } else { keys::MEDIA };
            delete_counted(ctx, &edge, (pk, sk.into()), counter).await?;
        }
    }
    // step-2 cascades: comments and playlists of the account.
    super::comments::on_user_removed(ctx, &username, &uid).await?;
    super::playlists::on_user_removed(ctx, &username, &uid).await?;
    tracing::info!(%username, "account data erased");
    Ok(())
}

/// A deleted media: the items of its partition (likes, reposts, playlist memberships), its tag
/// items and its search entries.
pub async fn on_media_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let item: Item = old.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect();
    let media: Media = crate::store::medias::media_from_item(&item)?;
    let partition = query_all(ctx, None, "PK", &keys::media_pk(media.id.as_str())).await?;
    // step-2 cascades: playlists read the memberships before they go.
    super::playlists::on_media_removed(ctx, &media.id, &partition).await?;
    delete_all(ctx, &partition).await?;
    let tag_items: Vec<Item> = media
        .tags
        .iter()
        .map(|t| {
            crate::store::item::item([
                ("PK", s(keys::tag_pk(t.as_str()))),
                ("SK", s(keys::by_time(&media.created_at, media.id.as_str()))),
            ])
        })
        .collect();
    delete_all(ctx, &tag_items).await?;
    let doc = SearchDoc {
        collection: "medias",
        id: media.id.to_string(),
        sort_key: keys::by_time(&media.created_at, media.id.as_str()),
        text: media.search_text(),
    };
    ctx.store.search().remove(&doc).await?;
    // step-2 cascades: comments of the media.
    super::comments::on_media_removed(ctx, &media.id).await?;
    tracing::info!(media = %media.id, "media data erased");
    Ok(())
}

/// A stream image value as an SDK value.
pub fn to_sdk(v: &serde_dynamo::AttributeValue) -> AttributeValue {
    use serde_dynamo::AttributeValue as V;
    match v {
        V::N(x) => AttributeValue::N(x.clone()),
        V::S(x) => AttributeValue::S(x.clone()),
        V::Bool(x) => AttributeValue::Bool(*x),
        V::B(x) => AttributeValue::B(x.clone().into()),
        V::Null(x) => AttributeValue::Null(*x),
        V::M(m) => AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()),
        V::L(l) => AttributeValue::L(l.iter().map(to_sdk).collect()),
        V::Ss(x) => AttributeValue::Ss(x.clone()),
        V::Ns(x) => AttributeValue::Ns(x.clone()),
        V::Bs(x) => AttributeValue::Bs(x.iter().map(|b| b.clone().into()).collect()),
    }
}
