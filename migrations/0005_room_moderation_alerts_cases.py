from tortoise import migrations
from tortoise.migrations import operations as ops
from models.safeguarding import BreachStatus, ConcernStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0004_conversations_safeguarding_integrations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='BreachReport',
            name='acknowledged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='acknowledged_by',
            field=fields.ForeignKeyField('haven.User', source_field='acknowledged_by_id', null=True, db_constraint=True, to_field='id', related_name='breach_reports_acknowledged', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='acknowledgement',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='escalated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='resolution',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='resolved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='resolved_by',
            field=fields.ForeignKeyField('haven.User', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='breach_reports_resolved', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='BreachReport',
            name='status',
            field=fields.CharEnumField(default=BreachStatus.OPEN, description='OPEN: OPEN\nACKNOWLEDGED: ACKNOWLEDGED\nRESOLVED: RESOLVED', enum_type=BreachStatus, max_length=16),
        ),
        ops.AddField(
            model_name='PersonalMessage',
            name='link_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='PersonalMessage',
            name='link_type',
            field=fields.CharField(default='', max_length=40),
        ),
        ops.AddField(
            model_name='PersonalMessage',
            name='urgent',
            field=fields.BooleanField(default=False),
        ),
        ops.AlterField(
            model_name='SafeguardingConcern',
            name='status',
            field=fields.CharEnumField(default=ConcernStatus.OPEN, description='OPEN: OPEN\nACTION_TAKEN: ACTION_TAKEN\nCLOSED: CLOSED', enum_type=ConcernStatus, max_length=16),
        ),
        ops.AddField(
            model_name='SessionMessage',
            name='redacted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SessionMessage',
            name='redacted_by',
            field=fields.ForeignKeyField('haven.User', source_field='redacted_by_id', null=True, db_constraint=True, to_field='id', related_name='messages_redacted', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='SessionMessage',
            name='sealed_body',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
