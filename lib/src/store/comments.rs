//! Comments and replies: one item per comment in its own partition (where its likes live too),
//! listed by media (top-level, GSI1), by top-level comment (replies, GSI1), by media again for
//! the cascade (GSI2) and by author (GSI3). Creating or deleting a comment changes the media's
//! `comments` counter (and a reply its top-level comment's `replies`) in the same transaction.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, item, n, s};
use super::keys::{self, COMMENT, MEDIA};
use super::{Store, StoreError};
use crate::domain::{DomainError, MediaId, ShortId, User, UserId, Username};
use crate::http::PageRequest;

/// Id of a comment (the `{commentUrl}` of the routes).
pub type CommentId = ShortId;

/// A stored comment or reply.
#[derive(Clone, Debug)]
pub struct Comment {
    /// Id.
    pub id: CommentId,
    /// The media it is about.
    pub media: MediaId,
    /// Author's username.
    pub author: Username,
    /// Author's account id.
    pub author_uid: UserId,
    /// Text (1–2,000 characters).
    pub body: String,
    /// The top-level comment this replies to; `None` for a top-level comment.
    pub reply_to: Option<CommentId>,
    /// Like count.
    pub likes: u64,
    /// Reply count (top-level comments only).
    pub replies: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Which counters a comment's deletion decrements.
#[derive(Clone, Copy, Debug)]
pub struct Uncount {
    /// The media's `comments`.
    pub media: bool,
    /// The top-level comment's `replies` (replies only).
    pub parent: bool,
}

fn comment_item(c: &Comment) -> Item {
    let sk = keys::by_time(&c.created_at, c.id.as_str());
    let list_pk = match &c.reply_to {
        Some(parent) => keys::comment_replies(parent.as_str()),
        None => keys::media_comments(c.media.as_str()),
    };
    let mut it = item([
        ("PK", s(keys::comment_pk(c.id.as_str()))),
        ("SK", s(COMMENT)),
        ("type", s("comment")),
        ("id", s(c.id.as_str())),
        ("media", s(c.media.as_str())),
        ("author", s(c.author.as_str())),
        ("authorUid", s(&c.author_uid.0)),
        ("body", s(&c.body)),
        ("likes", n(c.likes)),
        ("replies", n(c.replies)),
        ("createdAt", s(&c.created_at)),
        ("updatedAt", s(&c.updated_at)),
        ("GSI1PK", s(list_pk)),
        ("GSI1SK", s(&sk)),
        ("GSI2PK", s(keys::media_all_comments(c.media.as_str()))),
        ("GSI2SK", s(&sk)),
        ("GSI3PK", s(keys::author_comments(&c.author))),
        ("GSI3SK", s(&sk)),
    ]);
    if let Some(parent) = &c.reply_to {
        it.insert("replyTo".into(), s(parent.as_str()));
    }
    it
}

/// Reads a comment item.
pub fn comment_from_item(it: &Item) -> Result<Comment, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt { what: format!("comment {w}") };
    Ok(Comment {
        id: ShortId::parse(&it.req_s("id")?).map_err(|_| corrupt("id"))?,
        media: ShortId::parse(&it.req_s("media")?).map_err(|_| corrupt("media"))?,
        author: Username::parse(&it.req_s("author")?).map_err(|_| corrupt("author"))?,
        author_uid: UserId(it.req_s("authorUid")?),
        body: it.req_s("body")?,
        reply_to: it.opt_s("replyTo").map(|r| ShortId::parse(&r).map_err(|_| corrupt("replyTo"))).transpose()?,
        likes: it.num("likes").max(0) as u64,
        replies: it.num("replies").max(0) as u64,
        created_at: it.req_s("createdAt")?,
        updated_at: it.opt_s("updatedAt").unwrap_or_default(),
    })
}

impl Store {
    /// Stores a new comment and counts it on its media (and, for a reply, on its top-level
    /// comment, which must be a top-level comment of the same media) in one transaction.
    /// 404 when the media is gone; 400 naming `replyTo` when the parent is gone or not of
    /// this media.
    pub async fn create_comment(&self, comment: &Comment) -> Result<(), DomainError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(comment_item(comment)))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .op("build comment")?;
        let mut counts =
            vec![self.comment_counter(keys::media_pk(comment.media.as_str()), MEDIA, "comments", 1, None)?];
        if let Some(parent) = &comment.reply_to {
            let guard = "media = :mid AND attribute_not_exists(replyTo)";
            counts.push(self.comment_counter(
                keys::comment_pk(parent.as_str()),
                COMMENT,
                "replies",
                1,
                Some((guard, &comment.media)),
            )?);
        }
        match self.transact_counted(vec![TransactWriteItem::builder().put(put).build()], counts, "create comment").await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(DomainError::Conflict("the comment could not be created; retry".into())),
            Err(DomainError::NotFound(_)) => match self.get_media(&comment.media).await? {
                None => Err(DomainError::NotFound("media")),
                Some(_) => Err(DomainError::invalid("replyTo", "is not a comment of this media")),
            },
            Err(e) => Err(e),
        }
    }

    /// The comment `id`.
    pub async fn get_comment(&self, id: &CommentId) -> Result<Option<Comment>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::comment_pk(id.as_str())))
            .key("SK", s(COMMENT))
            .consistent_read(true)
            .send()
            .await
            .op("get comment")?;
        Ok(out.item.as_ref().map(comment_from_item).transpose()?)
    }

    /// The comment `id`, or 404.
    pub async fn require_comment(&self, id: &CommentId) -> Result<Comment, DomainError> {
        self.get_comment(id).await?.ok_or(DomainError::NotFound("comment"))
    }

    /// Top-level comments of a media, oldest first.
    pub async fn list_comments(
        &self,
        media: &MediaId,
        page: &PageRequest,
    ) -> Result<(Vec<Comment>, Option<String>), DomainError> {
        self.comment_page(keys::media_comments(media.as_str()), page).await
    }

    /// Replies of a top-level comment, oldest first.
    pub async fn list_replies(
        &self,
        parent: &CommentId,
        page: &PageRequest,
    ) -> Result<(Vec<Comment>, Option<String>), DomainError> {
        self.comment_page(keys::comment_replies(parent.as_str()), page).await
    }

    async fn comment_page(
        &self,
        list: String,
        page: &PageRequest,
    ) -> Result<(Vec<Comment>, Option<String>), DomainError> {
        let query = self
            .client
            .query()
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(&list))
            .scan_index_forward(true);
        let (items, next) = self.page(query, Some("GSI1"), &list, page).await?;
        Ok((items.iter().map(comment_from_item).collect::<Result<Vec<_>, _>>()?, next))
    }

    /// Replaces the text (author checked by the caller, guarded here by `authorUid`); returns
    /// the updated comment. 404 when it is gone.
    pub async fn update_comment(&self, comment: &Comment, body: &str) -> Result<Comment, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::comment_pk(comment.id.as_str())))
            .key("SK", s(COMMENT))
            .condition_expression("authorUid = :uid")
            .update_expression("SET body = :b, updatedAt = :now")
            .expression_attribute_values(":uid", s(&comment.author_uid.0))
            .expression_attribute_values(":b", s(body))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(comment_from_item(&out.attributes.unwrap_or_default())?),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(DomainError::NotFound("comment"))
            }
            Err(e) => Err(super::error::aws("update comment", e).into()),
        }
    }

    /// Deletes a comment and decrements the counters asked for in one transaction; a counted
    /// item that is gone is left out. `false` when the comment was already gone.
    pub async fn delete_comment(&self, comment: &Comment, mut uncount: Uncount) -> Result<bool, DomainError> {
        uncount.parent &= comment.reply_to.is_some();
        for _ in 0..4 {
            let del = Delete::builder()
                .table_name(&self.table)
                .key("PK", s(keys::comment_pk(comment.id.as_str())))
                .key("SK", s(COMMENT))
                .condition_expression("attribute_exists(PK)")
                .build()
                .op("build delete comment")?;
            let mut counts = Vec::new();
            if uncount.media {
                counts.push(self.comment_counter(
                    keys::media_pk(comment.media.as_str()),
                    MEDIA,
                    "comments",
                    -1,
                    None,
                )?);
            }
            if let (true, Some(parent)) = (uncount.parent, &comment.reply_to) {
                counts.push(self.comment_counter(keys::comment_pk(parent.as_str()), COMMENT, "replies", -1, None)?);
            }
            match self
                .transact_counted(vec![TransactWriteItem::builder().delete(del).build()], counts, "delete comment")
                .await
            {
                Err(DomainError::NotFound(_)) => {
                    // A counted item is gone (its own cascade is under way): leave it out.
                    uncount.media = uncount.media && self.get_media(&comment.media).await?.is_some();
                    if let (true, Some(parent)) = (uncount.parent, &comment.reply_to) {
                        uncount.parent = self.get_comment(parent).await?.is_some();
                    }
                }
                other => return other,
            }
        }
        Err(DomainError::Internal("delete comment: counted items keep disappearing".into()))
    }

    /// The ids among `ids` that `user` likes.
    pub async fn liked_comments(&self, ids: &[CommentId], user: &User) -> Result<HashSet<String>, DomainError> {
        let sk = keys::like_sk(&user.username);
        let keys = ids.iter().map(|id| (keys::comment_pk(id.as_str()), sk.clone())).collect();
        let by_pk: HashMap<String, &CommentId> = ids.iter().map(|id| (keys::comment_pk(id.as_str()), id)).collect();
        let liked = self
            .get_by_keys(keys, "batch get comment likes")
            .await?
            .iter()
            .filter_map(|it| it.opt_s("PK").and_then(|pk| by_pk.get(&pk).map(|id| id.to_string())))
            .collect();
        Ok(liked)
    }

    /// Every comment of a media, every reply of a comment, or every comment of an author (all
    /// pages).
    pub async fn all_comments(&self, of: CommentsOf<'_>) -> Result<Vec<Comment>, DomainError> {
        let (index, pk_attr, pk) = match of {
            CommentsOf::Media(m) => ("GSI2", "GSI2PK", keys::media_all_comments(m.as_str())),
            CommentsOf::Replies(c) => ("GSI1", "GSI1PK", keys::comment_replies(c.as_str())),
            CommentsOf::Author(a) => ("GSI3", "GSI3PK", keys::author_comments(a)),
        };
        let items = self.query_all(Some(index), pk_attr, &pk, "query comments").await?;
        Ok(items.iter().map(comment_from_item).collect::<Result<Vec<_>, _>>()?)
    }

    /// Deletes every item of a comment's partition: the comment itself (without counters)
    /// and its likes.
    pub async fn erase_comment_partition(&self, id: &CommentId) -> Result<(), DomainError> {
        let items = self.query_all(None, "PK", &keys::comment_pk(id.as_str()), "query comment partition").await?;
        Ok(self.delete_items(&items, "erase comment partition").await?)
    }

    /// `ADD {attribute} {delta}` on an existing item, optionally also requiring `guard`
    /// (with `:mid` bound to the media id).
    fn comment_counter(
        &self,
        pk: String,
        sk: &str,
        attribute: &str,
        delta: i64,
        guard: Option<(&str, &MediaId)>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .update_expression("ADD #c :d")
            .expression_attribute_names("#c", attribute)
            .expression_attribute_values(":d", n(delta));
        update = match guard {
            Some((condition, media)) => update
                .condition_expression(format!("attribute_exists(PK) AND {condition}"))
                .expression_attribute_values(":mid", s(media.as_str())),
            None => update.condition_expression("attribute_exists(PK)"),
        };
        Ok(TransactWriteItem::builder().update(update.build().op("build comment counter")?).build())
    }
}

/// Which comments [`Store::all_comments`] reads.
#[derive(Clone, Copy, Debug)]
pub enum CommentsOf<'a> {
    /// Every comment and reply of a media.
    Media(&'a MediaId),
    /// The replies of a top-level comment.
    Replies(&'a CommentId),
    /// Every comment and reply of an author (all accounts that had the name).
    Author(&'a Username),
}
