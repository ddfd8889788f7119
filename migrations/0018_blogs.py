from tortoise import migrations
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from models.blogs import BlogVisibility
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

async def add_version_triggers(apps, schema_editor) -> None:
    """Blog entries and comments are read by answers: their writes move the data version."""
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0017_specialists')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BlogPost',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='blog_posts', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('visibility', fields.CharEnumField(description='PRIVATE: PRIVATE\nGROUPS: GROUPS\nPUBLIC: PUBLIC', enum_type=BlogVisibility, max_length=10)),
                ('to_ask', fields.BooleanField(default=False)),
                ('written_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'blog_posts', 'app': 'haven', 'indexes': [Index(fields=['author_id', 'id'])], 'pk_attr': 'id', 'table_description': "An entry of a person's blog. ``to_ask`` marks one she means to take to her next"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BlogComment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('haven.BlogPost', source_field='post_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='blog_comments', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('written_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'blog_comments', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A comment on a public entry, by someone signed in. Staff may hide it, with a reason'},
            bases=['Model'],
        ),
        ops.RunPython(add_version_triggers, reverse_code=ops.RunPython.noop),
    ]
