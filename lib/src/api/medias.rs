//! Medias of four kinds (photo, video, music, text post): create, read, list, search, update,
//! delete, tags, likes and reposts.

use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{MediaPage, MediaView};
use crate::ctx::Ctx;
use crate::domain::media::MAX_TAGS;
use crate::domain::{
    Description, DomainError, FieldError, Media, MediaId, MediaKind, MediaStatus, PostBody, Tag, Title, UploadPurpose,
    User, Username,
};
use crate::http::problem::Problem;
use crate::http::request::PathParam;
use crate::http::{ApiResult, Reply, Req};
use crate::store::medias::{CLAIM_FAILED, MediaFilter, UploadRef};
use crate::store::reactions::{Reaction, Target};
use crate::store::search::{SearchDoc, matches};
use crate::store::uploads::UploadState;

impl PathParam for MediaId {
    fn parse_param(raw: &str) -> Result<Self, String> {
        MediaId::parse(raw)
    }
}

impl PathParam for Tag {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Tag::parse(raw)
    }
}

/// What the search index holds for a media.
pub fn search_doc(m: &Media) -> SearchDoc {
    SearchDoc {
        collection: "medias",
        id: m.id.to_string(),
        sort_key: crate::store::keys::by_time(&m.created_at, m.id.as_str()),
        text: m.search_text(),
    }
}

/// The reaction target of a media.
pub fn target(m: &Media) -> Target {
    Target {
        pk: crate::store::keys::media_pk(m.id.as_str()),
        sk: crate::store::keys::MEDIA,
        id: m.id.to_string(),
        owner: m.owner.to_string(),
    }
}

/// The view of `m` with the caller's like and repost flags.
pub async fn view_for(ctx: &Ctx, m: &Media, caller: Option<&User>) -> ApiResult<MediaView> {
    let mut view = MediaView::of(m);
    if let Some(me) = caller {
        let pk = crate::store::keys::media_pk(m.id.as_str());
        let flags = ctx.store.reactions_of(&[Reaction::Like, Reaction::Repost], &pk, me).await?;
        view.liked = Some(flags[0]);
        view.reposted = Some(flags[1]);
    }
    Ok(view)
}

/// A new media.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateMediaBody {
    /// `photo | video | music | post`.
    pub kind: String,
    /// Required except for posts (≤ 200).
    pub title: Option<String>,
    /// ≤ 5,000.
    pub description: Option<String>,
    /// The text of a post (required for posts, ≤ 280).
    pub body: Option<String>,
    /// Up to 20 tags of `[a-z0-9-]`.
    pub tags: Option<Vec<String>>,
    /// From an upload route (required except for posts).
    pub file_url: Option<String>,
}

/// Validated fields of a new media.
struct NewMedia {
    kind: MediaKind,
    title: String,
    description: String,
    body: String,
    tags: Vec<Tag>,
    file_url: Option<String>,
}

fn validate(body: CreateMediaBody) -> Result<NewMedia, DomainError> {
    let mut errors = Vec::new();
    let mut check = |field: &str, r: Result<String, String>| r.map_err(|m| errors.push(FieldError::new(field, m))).ok();
    let kind = MediaKind::parse(&body.kind).map_err(|m| FieldError::new("kind", m));
    let title = match (&body.title, &kind) {
        (Some(t), _) => check("title", Title::parse(t).map(|t| t.as_str().to_owned())),
        (None, Ok(MediaKind::Post)) | (None, Err(_)) => Some(String::new()),
        (None, Ok(_)) => check("title", Err("is required".into())),
    };
    let description = check(
        "description",
        Description::parse(body.description.as_deref().unwrap_or("")).map(|d| d.as_str().to_owned()),
    );
    let text = match (&body.body, &kind) {
        (Some(b), Ok(MediaKind::Post)) => check("body", PostBody::parse(b).map(|b| b.as_str().to_owned())),
        (None, Ok(MediaKind::Post)) => check("body", Err("is required for a post".into())),
        (Some(_), Ok(_)) => check("body", Err("is only for posts".into())),
        _ => Some(String::new()),
    };
    let file_url = match (&body.file_url, &kind) {
        (Some(_), Ok(MediaKind::Post)) => check("fileUrl", Err("a post has no file".into())),
        (None, Ok(k)) if *k != MediaKind::Post => {
            check("fileUrl", Err("is required: get one from an upload route".into()))
        }
        (f, _) => f.clone(),
    };
    let mut tags = Vec::new();
    for raw in body.tags.unwrap_or_default() {
        if let Some(t) = check("tags", Tag::parse(&raw).map(|t| t.to_string())).and_then(|t| Tag::parse(&t).ok())
            && !tags.contains(&t)
        {
            tags.push(t);
        }
    }
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    let kind = kind.map_err(|e| errors.push(e)).ok();
    match (kind, title, description, text, errors.is_empty()) {
        (Some(kind), Some(title), Some(description), Some(body), true) => {
            Ok(NewMedia { kind, title, description, body, tags, file_url })
        }
        _ => Err(DomainError::Invalid(errors)),
    }
}

/// `POST /api/medias` — publish a post, or a photo/video/music from an upload.
#[utoipa::path(post, path = "/api/medias", tag = "medias", request_body = CreateMediaBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = MediaView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json", description = "unknown fileUrl"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "file already used")))]
pub async fn create(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.verified_caller().await?.user;
    let new = validate(req.json()?)?;
    let mut media = Media {
        id: MediaId::generate(),
        kind: new.kind,
        owner: me.username.clone(),
        owner_uid: me.id.clone(),
        title: new.title,
        description: new.description,
        body: new.body,
        tags: new.tags,
        status: MediaStatus::Ready,
        status_reason: None,
        likes: 0,
        comments: 0,
        reposts: 0,
        created_at: crate::time::now_rfc3339(),
        updated_at: crate::time::now_rfc3339(),
        files: None,
        upload: new.file_url.clone(),
        details: None,
        subtitles: Default::default(),
        cover: None,
        cover_applied: None,
        rejected: Default::default(),
    };
    match &new.file_url {
        None => ctx.store.create_media(&media, None).await?,
        // Processing may finish between reading the upload and claiming it: the claim is
        // conditioned on the state read, and a lost race reads again.
        Some(url) => {
            let mut attempts = 0;
            loop {
                let claim = claim_upload(ctx, &me, url, &mut media).await?;
                match ctx.store.create_media(&media, Some(&claim)).await {
                    Err(DomainError::Conflict(m)) if m == CLAIM_FAILED && attempts < 3 => attempts += 1,
                    other => break other?,
                }
            }
        }
    }
    ctx.store.search().index(&search_doc(&media), None).await?;
    let view = view_for(ctx, &media, Some(&me)).await?;
    Ok(Reply::json(201, &view).header("location", &format!("/api/medias/{}", media.id)))
}

/// Reads the upload `url` for `media` and sets its status from the processing state.
async fn claim_upload(ctx: &Ctx, me: &User, url: &str, media: &mut Media) -> ApiResult<UploadRef> {
    let upload =
        ctx.store.get_upload(url).await?.filter(|u| u.owner_uid == me.id).ok_or(DomainError::NotFound("upload"))?;
    match &upload.purpose {
        UploadPurpose::Media(kind) if *kind == media.kind => {}
        UploadPurpose::Media(kind) => {
            return Err(DomainError::invalid("fileUrl", format!("is an upload for a {}", kind.as_str())).into());
        }
        _ => return Err(DomainError::invalid("fileUrl", "is not an upload for a media file").into()),
    }
    if upload.media.is_some() {
        return Err(DomainError::Conflict(CLAIM_FAILED.into()).into());
    }
    let state = match &upload.state {
        UploadState::Pending => {
            media.status = MediaStatus::Uploading;
            "pending"
        }
        UploadState::Processing { .. } => {
            media.status = MediaStatus::Processing;
            "processing"
        }
        UploadState::Done { files, details } => {
            media.status = MediaStatus::Ready;
            media.files = Some(files.clone());
            media.details = Some(details.clone());
            "done"
        }
        UploadState::Failed { reason } => {
            return Err(DomainError::Conflict(format!("the file was refused: {reason}")).into());
        }
    };
    Ok(UploadRef { id: upload.id, state })
}

/// `GET /api/medias/{url}` — one media with counts, tags, status and files when ready.
#[utoipa::path(get, path = "/api/medias/{url}", tag = "medias", params(("url" = String, Path)),
    responses((status = 200, body = MediaView), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid credentials sent (they are optional)")))]
pub async fn get(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: MediaId = req.path("url")?;
    let caller = req.optional_caller().await?;
    let media = ctx.store.require_media(&id).await?;
    Ok(Reply::ok(&view_for(ctx, &media, caller.as_ref().map(|c| &c.user)).await?))
}

/// `GET /api/medias` — newest ready medias; `?kind=&tag=&owner=`.
#[utoipa::path(get, path = "/api/medias", tag = "medias",
    params(("kind" = Option<String>, Query), ("tag" = Option<String>, Query), ("owner" = Option<String>, Query),
           ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = MediaPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let page = req.page()?;
    let filter = MediaFilter {
        kind: req
            .query("kind")
            .map(|k| MediaKind::parse(&k))
            .transpose()
            .map_err(|m| DomainError::invalid("kind", m))?,
        tag: req.query("tag").map(|t| Tag::parse(&t)).transpose().map_err(|m| DomainError::invalid("tag", m))?,
        owner: req
            .query("owner")
            .map(|o| Username::parse(&o))
            .transpose()
            .map_err(|m| DomainError::invalid("owner", m))?,
    };
    let (medias, next_cursor) = ctx.store.list_medias(&filter, &page).await?;
    Ok(Reply::ok(&MediaPage { items: medias.iter().map(MediaView::of).collect(), next_cursor }))
}

/// `GET /api/medias/search/{term}` — ready medias whose title, description, body or tags have
/// a word starting with each word of `term`, newest first.
#[utoipa::path(get, path = "/api/medias/search/{term}", tag = "medias",
    params(("term" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = MediaPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let found = super::search::search_page(ctx, &req, "medias").await?;
    let ids: Vec<MediaId> = found.ids.iter().filter_map(|id| MediaId::parse(id).ok()).collect();
    let medias = ctx.store.get_medias(&ids).await?;
    let items = medias
        .iter()
        .filter(|m| m.status == MediaStatus::Ready && matches(&m.search_text(), &found.term))
        .map(MediaView::of)
        .collect();
    Ok(Reply::ok(&MediaPage { items, next_cursor: found.next_cursor }))
}

/// Changes to a media.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMediaBody {
    /// New title (≤ 200).
    pub title: Option<String>,
    /// New description (≤ 5,000).
    pub description: Option<String>,
}

/// The media `{url}` if the caller owns it: 404 when absent, 403 when another user's.
pub(crate) async fn owned_media(ctx: &Ctx, req: &Req) -> ApiResult<(User, Media)> {
    let id: MediaId = req.path("url")?;
    let me = req.verified_caller().await?.user;
    let media = ctx.store.require_media(&id).await?;
    if media.owner_uid != me.id {
        return Err(DomainError::Forbidden("only the owner may change this media".into()).into());
    }
    Ok((me, media))
}

/// `PUT /api/medias/{url}` — update title and description (owner only).
#[utoipa::path(put, path = "/api/medias/{url}", tag = "medias", request_body = UpdateMediaBody, params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = MediaView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (me, media) = owned_media(ctx, &req).await?;
    let body: UpdateMediaBody = req.json()?;
    let mut errors = Vec::new();
    let title =
        body.title.as_deref().and_then(|t| Title::parse(t).map_err(|m| errors.push(FieldError::new("title", m))).ok());
    let description = body
        .description
        .as_deref()
        .and_then(|d| Description::parse(d).map_err(|m| errors.push(FieldError::new("description", m))).ok());
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors).into());
    }
    if title.is_none() && description.is_none() {
        return Err(DomainError::BadRequest("nothing to update".into()).into());
    }
    if title.is_some() && media.kind == MediaKind::Post {
        return Err(DomainError::invalid("title", "a post has no title").into());
    }
    ctx.store
        .update_media(&media, title.as_ref().map(Title::as_str), description.as_ref().map(Description::as_str))
        .await?;
    let updated = ctx.store.require_media(&media.id).await?;
    ctx.store.search().index(&search_doc(&updated), Some(&media.search_text())).await?;
    Ok(Reply::ok(&view_for(ctx, &updated, Some(&me)).await?))
}

/// `DELETE /api/medias/{url}` — owner only; files, comments, likes, reposts, tags and playlist
/// entries go too (in the background).
#[utoipa::path(delete, path = "/api/medias/{url}", tag = "medias", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "deleted"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (me, media) = owned_media(ctx, &req).await?;
    ctx.store.delete_media(&media, &me).await?;
    ctx.store.search().remove(&search_doc(&media)).await?;
    Ok(Reply::no_content())
}

/// `POST /api/medias/{url}/tag/{name}` — add a tag (owner only; idempotent).
#[utoipa::path(post, path = "/api/medias/{url}/tag/{name}", tag = "medias",
    params(("url" = String, Path), ("name" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = MediaView, description = "added"), (status = 200, body = MediaView, description = "already there"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "too many tags")))]
pub async fn add_tag(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let tag: Tag = req.path("name")?;
    let (me, media) = owned_media(ctx, &req).await?;
    let added = ctx.store.add_tag(&media, &tag).await?;
    let updated = ctx.store.require_media(&media.id).await?;
    if added {
        ctx.store.search().index(&search_doc(&updated), Some(&media.search_text())).await?;
    }
    Ok(Reply::json(if added { 201 } else { 200 }, &view_for(ctx, &updated, Some(&me)).await?))
}

/// `DELETE /api/medias/{url}/tag/{name}` — remove a tag (owner only; idempotent).
#[utoipa::path(delete, path = "/api/medias/{url}/tag/{name}", tag = "medias",
    params(("url" = String, Path), ("name" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "removed"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_tag(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let tag: Tag = req.path("name")?;
    let (_, media) = owned_media(ctx, &req).await?;
    if media.tags.contains(&tag) {
        ctx.store.remove_tag(&media, &tag).await?;
        let updated = ctx.store.require_media(&media.id).await?;
        ctx.store.search().index(&search_doc(&updated), Some(&media.search_text())).await?;
    }
    Ok(Reply::no_content())
}

/// Adds or removes the caller's reaction to `{url}`.
async fn react(ctx: &Ctx, req: Req, reaction: Reaction, on: bool) -> ApiResult<Reply> {
    let id: MediaId = req.path("url")?;
    let me = req.verified_caller().await?.user;
    let media = ctx.store.require_media(&id).await?;
    if !on {
        ctx.store.unreact(reaction, &target(&media), &me).await?;
        return Ok(Reply::no_content());
    }
    if media.status != MediaStatus::Ready {
        return Err(DomainError::Conflict(format!("the media is {}", media.status.as_str())).into());
    }
    let created = ctx.store.react(reaction, &target(&media), &me).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("media"),
        other => other,
    })?;
    let updated = ctx.store.require_media(&id).await?;
    Ok(Reply::json(if created { 201 } else { 200 }, &view_for(ctx, &updated, Some(&me)).await?))
}

/// `POST /api/medias/{url}/likes` — like (idempotent: 201 the first time, then 200).
#[utoipa::path(post, path = "/api/medias/{url}/likes", tag = "medias", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = MediaView), (status = 200, body = MediaView, description = "already liked"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn like(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, Reaction::Like, true).await
}

/// `DELETE /api/medias/{url}/likes` — unlike (idempotent).
#[utoipa::path(delete, path = "/api/medias/{url}/likes", tag = "medias", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "not liked any more"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn unlike(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, Reaction::Like, false).await
}

/// `POST /api/medias/{url}/reposts` — repost to the caller's followers (idempotent).
#[utoipa::path(post, path = "/api/medias/{url}/reposts", tag = "medias", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = MediaView), (status = 200, body = MediaView, description = "already reposted"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn repost(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, Reaction::Repost, true).await
}

/// `DELETE /api/medias/{url}/reposts` — undo the repost (idempotent).
#[utoipa::path(delete, path = "/api/medias/{url}/reposts", tag = "medias", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "not reposted any more"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn unrepost(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, Reaction::Repost, false).await
}
