from tortoise import migrations
from tortoise.migrations import operations as ops
from models.applications import ApplicationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('applicant', fields.ForeignKeyField('haven.User', source_field='applicant_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('support_sought', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(description='SUBMITTED: SUBMITTED\nCALL_SCHEDULED: CALL_SCHEDULED\nAWAITING_GP: AWAITING_GP\nPLACE_OFFERED: PLACE_OFFERED\nWAITLISTED: WAITLISTED\nJOINED: JOINED\nDECLINED: DECLINED\nWITHDRAWN: WITHDRAWN\nOFFER_LAPSED: OFFER_LAPSED', enum_type=ApplicationStatus, max_length=20)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('call_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('screening_notes', fields.TextField(default='', unique=False)),
                ('gp_consent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('gp_details', fields.TextField(null=True, unique=False)),
                ('suitable_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('offer_expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'applications', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A member's request for a place in one group."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationStep',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('haven.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='steps', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='SUBMITTED: SUBMITTED\nCALL_SCHEDULED: CALL_SCHEDULED\nAWAITING_GP: AWAITING_GP\nPLACE_OFFERED: PLACE_OFFERED\nWAITLISTED: WAITLISTED\nJOINED: JOINED\nDECLINED: DECLINED\nWITHDRAWN: WITHDRAWN\nOFFER_LAPSED: OFFER_LAPSED', enum_type=ApplicationStatus, max_length=20)),
                ('actor', fields.ForeignKeyField('haven.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='application_steps', on_delete=OnDelete.SET_NULL)),
                ('note', fields.TextField(default='', unique=False)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'application_steps', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'One step of an application: the status it reached, when, by whom and why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('actor', fields.ForeignKeyField('haven.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=60)),
                ('subject_type', fields.CharField(max_length=40)),
                ('subject_id', fields.IntField(null=True)),
                ('group_id', fields.IntField(null=True)),
                ('detail', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'audit_log', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'One audited act. Entries are written once and never changed or deleted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('haven.User', source_field='recipient_id', db_constraint=True, to_field='id', related_name='inbox', on_delete=OnDelete.CASCADE)),
                ('sender', fields.ForeignKeyField('haven.User', source_field='sender_id', null=True, db_constraint=True, to_field='id', related_name='sent_messages', on_delete=OnDelete.SET_NULL)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'personal_messages', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A message in one person's inbox. ``sender`` is ``None`` for the service itself."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Membership',
            name='application',
            field=fields.ForeignKeyField('haven.Application', source_field='application_id', null=True, db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Membership',
            name='end_reason',
            field=fields.CharField(default='', max_length=20),
        ),
        ops.AlterModelOptions(
            name='StaffDetails',
            options={'table': 'staff_details', 'app': 'haven', 'pk_attr': 'user_id', 'table_description': "What the service must keep about a member of staff: a facilitator's BPS registration."},
        ),
    ]
