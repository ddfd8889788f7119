"""Personal blogs: each entry shown only as far as its author chose."""

from __future__ import annotations

from models import AuditEntry, BlogComment, BlogPost, Role
from tests.conftest import join, make_group
from tests.workflow import code, data

WRITE = """
mutation ($title: String!, $visibility: BlogVisibility!, $toAsk: Boolean!) {
  writeBlogPost(title: $title, body: "How I am", visibility: $visibility, toAsk: $toAsk) { id }
}"""
READ = "query ($author: ID!) { blogPosts(authorId: $author) { title author { profileName } } }"
MINE = "query ($toAsk: Boolean) { myBlog(toAsk: $toAsk) { title toAsk } }"
UPDATE = """
mutation ($id: ID!, $toAsk: Boolean) { updateBlogPost(id: $id, toAsk: $toAsk) { title } }"""
DELETE = "mutation ($id: ID!) { deleteBlogPost(id: $id) }"
COMMENT = """
mutation ($id: ID!, $body: String!) { commentOnBlogPost(postId: $id, body: $body) { id } }"""
HIDE = """
mutation ($id: ID!) { hideBlogComment(commentId: $id, reason: "Unkind") { id } }"""
REPORT_COMMENT = """
mutation ($id: ID!) { reportBlogComment(commentId: $id, reason: "Rude") }"""
REPORTED = "{ blogCommentReports { reports comment { id } } }"
COMMENTS = "query ($author: ID!) { blogPosts(authorId: $author) { comments { body } } }"


async def blog_of(gql, author) -> dict[str, str]:
    """An entry for herself, one for her groups, one for everyone; their ids by title."""
    ids = {}
    for visibility in ("PRIVATE", "GROUPS", "PUBLIC"):
        written = await gql(
            WRITE,
            {"title": visibility.title(), "visibility": visibility, "toAsk": False},
            token=author.token,
        )
        ids[visibility.title()] = data(written, "writeBlogPost")["id"]
    return ids


async def titles(gql, author, reader) -> list[str]:
    found = await gql(READ, {"author": author.id}, token=reader.token if reader else None)
    return sorted(entry["title"] for entry in data(found, "blogPosts"))


async def test_each_reader_sees_what_the_author_chose_staff_included(gql, person):
    # Given Ann, who writes for herself, her group and everyone
    facilitator = await person(Role.FACILITATOR)
    manager = await person(Role.ONLINE_MANAGER)
    ann, bea, cal = await person(name="Ann"), await person(), await person()
    group = await make_group(facilitator)
    await join(group, ann)
    await join(group, bea)
    await join(await make_group(await person(Role.FACILITATOR), name="Other"), cal)
    await blog_of(gql, ann)

    # When each reads her blog
    seen = {
        "ann": await titles(gql, ann, ann),
        "bea": await titles(gql, ann, bea),
        "cal": await titles(gql, ann, cal),
        "facilitator": await titles(gql, ann, facilitator),
        "manager": await titles(gql, ann, manager),
        "anonymous": await titles(gql, ann, None),
    }

    # Then her private entry is hers alone, her group's is for her group's members only
    assert seen == {
        "ann": ["Groups", "Private", "Public"],
        "bea": ["Groups", "Public"],
        "cal": ["Public"],
        "facilitator": ["Public"],
        "manager": ["Public"],
        "anonymous": ["Public"],
    }


async def test_what_she_wants_to_ask_is_marked_and_only_she_changes_it(gql, person):
    ann, other = await person(), await person()
    marked = await gql(
        WRITE,
        {"title": "Ask about fatigue", "visibility": "PRIVATE", "toAsk": True},
        token=ann.token,
    )
    entry = data(marked, "writeBlogPost")["id"]

    to_ask = data(await gql(MINE, {"toAsk": True}, token=ann.token), "myBlog")
    refused = await gql(UPDATE, {"id": entry, "toAsk": False}, token=other.token)
    data(await gql(UPDATE, {"id": entry, "toAsk": False}, token=ann.token), "updateBlogPost")

    assert to_ask == [{"title": "Ask about fatigue", "toAsk": True}]
    assert code(refused) == "FORBIDDEN"
    assert data(await gql(MINE, {"toAsk": True}, token=ann.token), "myBlog") == []
    assert code(await gql(MINE, {"toAsk": True})) == "UNAUTHENTICATED"


async def test_comments_go_on_public_entries_by_people_signed_in_and_staff_hide_them(gql, person):
    # Given Ann's entries, and Bea, signed in
    ann, bea = await person(), await person(name="Bea")
    facilitator = await person(Role.FACILITATOR)
    entries = await blog_of(gql, ann)

    # When Bea comments on the public one and the private one, and someone not signed in tries
    commented = await gql(
        COMMENT, {"id": entries["Public"], "body": "Thinking of you"}, token=bea.token
    )
    private = await gql(COMMENT, {"id": entries["Private"], "body": "Hello"}, token=bea.token)
    anonymous = await gql(COMMENT, {"id": entries["Public"], "body": "Hello"})

    # Then only the public one takes it
    comment = data(commented, "commentOnBlogPost")["id"]
    assert code(private) == "FORBIDDEN"
    assert code(anonymous) == "UNAUTHENTICATED"
    shown = data(await gql(COMMENTS, {"author": ann.id}), "blogPosts")
    assert [c["body"] for entry in shown for c in entry["comments"]] == ["Thinking of you"]

    # When two report it, one twice, and a member and then a facilitator try to hide it
    for reporter in (ann, cal := await person()):
        reported = await gql(REPORT_COMMENT, {"id": comment}, token=reporter.token)
        assert data(reported, "reportBlogComment") is True
    twice = await gql(REPORT_COMMENT, {"id": comment}, token=ann.token)
    queue = data(await gql(REPORTED, token=facilitator.token), "blogCommentReports")
    by_member = await gql(HIDE, {"id": comment}, token=ann.token)
    data(await gql(HIDE, {"id": comment}, token=facilitator.token), "hideBlogComment")

    # Then staff saw the reports; only the facilitator could hide it; it is gone from view,
    # its reports settled, its reason kept and audited
    assert code(twice) == "CONFLICT"
    assert queue == [{"reports": 2, "comment": {"id": comment}}]
    assert code(await gql(REPORTED, token=cal.token)) == "FORBIDDEN"
    assert data(await gql(REPORTED, token=facilitator.token), "blogCommentReports") == []
    assert code(by_member) == "FORBIDDEN"
    shown = data(await gql(COMMENTS, {"author": ann.id}), "blogPosts")
    assert [c for entry in shown for c in entry["comments"]] == []
    assert (await BlogComment.get(id=int(comment))).hidden_reason == "Unkind"
    assert await AuditEntry.filter(action="BLOG_COMMENT_HIDDEN").count() == 1


async def test_an_entry_is_deleted_by_its_author_alone(gql, person):
    ann, bea = await person(), await person()
    entries = await blog_of(gql, ann)

    refused = await gql(DELETE, {"id": entries["Public"]}, token=bea.token)
    deleted = await gql(DELETE, {"id": entries["Public"]}, token=ann.token)

    assert code(refused) == "FORBIDDEN"
    assert data(deleted, "deleteBlogPost") is True
    assert await BlogPost.filter(author_id=ann.user.id).count() == 2
