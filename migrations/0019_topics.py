from tortoise import migrations
from models.search import install_search
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

async def add_search_and_version_triggers(apps, schema_editor) -> None:
    """What search needs on this backend (``models.search``); and topics, posts and reports
    are read by answers, so their writes move the data version."""
    await install_search(schema_editor.client)
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0018_blogs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TopicCategory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('description', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'topic_categories', 'app': 'haven', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Topic',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category', fields.ForeignKeyField('haven.TopicCategory', source_field='category_id', db_constraint=True, to_field='id', related_name='topics', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='topics', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_post_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('locked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lock_reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'topics', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A conversation anyone may read. ``locked_at`` closes it to new replies.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TopicPost',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('topic', fields.ForeignKeyField('haven.Topic', source_field='topic_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='topic_posts', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('posted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('hidden_by', fields.ForeignKeyField('haven.User', source_field='hidden_by_id', null=True, db_constraint=True, to_field='id', related_name='hidden_topic_posts', on_delete=OnDelete.SET_NULL)),
                ('hidden_reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'topic_posts', 'app': 'haven', 'indexes': [Index(fields=['topic_id', 'id']), Index(fields=['author_id', 'hidden_at'])], 'pk_attr': 'id', 'table_description': "A topic's opening post or a reply. A hidden post (by a moderator, with a reason"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PostReport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('haven.TopicPost', source_field='post_id', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('reporter', fields.ForeignKeyField('haven.User', source_field='reporter_id', db_constraint=True, to_field='id', related_name='post_reports', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(unique=False)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'post_reports', 'app': 'haven', 'unique_together': (('post', 'reporter'),), 'pk_attr': 'id', 'table_description': 'Someone signed in thinks a public post should not be there.'},
            bases=['Model'],
        ),
        ops.RunPython(add_search_and_version_triggers, reverse_code=ops.RunPython.noop),
    ]
