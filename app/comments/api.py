"""Comments in the JSON API: an idea's comments, and adding one."""

from app.accounts.principal import identity_public
from app.comments import access
from app.comments import repository as repo
from app.comments import service as comments
from app.comments.schemas import CommentCreate, CommentPublic
from app.core.subjects import Subject
from app.deps import DbSession, Public, SignedIn
from app.errors import NotFound
from app.ideas import api as ideas_api
from app.models import Comment
from app.web.api import IdeaId, problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["ideas"])


def comment_public(comment: Comment) -> CommentPublic:
    assert comment.id is not None
    removed = comment.deleted_at is not None
    role = "staff" if comment.author_is_staff else identity_public(comment.author_identity)
    return CommentPublic(
        id=comment.id,
        idea_id=comment.subject_id,
        parent_id=comment.parent_id,
        body="" if removed else comment.body,
        author_role=role,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        removed=removed,
    )


@router.get(
    "/ideas/{idea_id}/comments",
    response_model=list[CommentPublic],
    responses=problems(401, 404, 422),
    name="api_comments",
)
def list_comments(idea_id: IdeaId, principal: Public, db: DbSession) -> list[CommentPublic]:
    """An idea's comments, oldest first. Authors are named by role only."""
    ideas_api.visible(db, idea_id, principal)
    return [
        comment_public(c) for c in repo.published(db, Subject.idea(idea_id), newest_first=False)
    ]


@router.post(
    "/ideas/{idea_id}/comments",
    status_code=201,
    response_model=CommentPublic,
    responses=problems(400, 401, 403, 404, 422, 429),
    name="api_add_comment",
)
def add_comment(
    idea_id: IdeaId, data: CommentCreate, principal: SignedIn, db: DbSession
) -> CommentPublic:
    """Comment on an idea, or reply to a comment with `parent_id`."""
    idea, _unit, _category = ideas_api.visible(db, idea_id, principal)
    if not access.can_comment(principal, idea):
        raise NotFound()
    comment = comments.add(
        db, subject=Subject.of(idea), principal=principal, body=data.body, parent_id=data.parent_id
    )
    body = comment_public(comment)
    db.commit()
    return body
