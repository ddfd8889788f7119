from tortoise import migrations
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

async def add_version_triggers(apps, schema_editor) -> None:
    """Reports of comments are read by answers: their writes move the data version."""
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0019_topics')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BlogCommentReport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('comment', fields.ForeignKeyField('haven.BlogComment', source_field='comment_id', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('reporter', fields.ForeignKeyField('haven.User', source_field='reporter_id', db_constraint=True, to_field='id', related_name='blog_comment_reports', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(unique=False)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'blog_comment_reports', 'app': 'haven', 'unique_together': (('comment', 'reporter'),), 'pk_attr': 'id', 'table_description': 'Someone signed in thinks a comment on a public entry should not be there.'},
            bases=['Model'],
        ),
        ops.RunPython(add_version_triggers, reverse_code=ops.RunPython.noop),
    ]
