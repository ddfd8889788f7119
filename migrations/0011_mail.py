from tortoise import migrations
from tortoise.migrations import operations as ops
from models.mail import MailKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0010_client_writes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MailPreferences',
            fields=[
                ('user', fields.OneToOneField('haven.User', source_field='user_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='mail_preferences', on_delete=OnDelete.CASCADE)),
                ('messages', fields.BooleanField(default=True)),
                ('news', fields.BooleanField(default=True)),
                ('reminders', fields.BooleanField(default=True)),
            ],
            options={'table': 'mail_preferences', 'app': 'haven', 'pk_attr': 'user_id', 'table_description': 'The optional e-mails a person has turned off, all on while she has no row.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutgoingMail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('haven.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='outgoing_mail', on_delete=OnDelete.CASCADE)),
                ('to_address', fields.CharField(max_length=254)),
                ('kind', fields.CharEnumField(description='NEW_MESSAGE: NEW_MESSAGE\nNEWS: NEWS\nACTION_NEEDED: ACTION_NEEDED\nURGENT: URGENT\nREMINDER: REMINDER\nVERIFY_ADDRESS: VERIFY_ADDRESS\nADDRESS_IN_USE: ADDRESS_IN_USE\nPASSWORD_RESET: PASSWORD_RESET\nPASSWORD_CHANGED: PASSWORD_CHANGED\nCONFIRM_NEW_ADDRESS: CONFIRM_NEW_ADDRESS\nADDRESS_CHANGED: ADDRESS_CHANGED\nCALL_ARRANGED: CALL_ARRANGED', enum_type=MailKind, max_length=30)),
                ('link_token', fields.CharField(null=True, max_length=200)),
                ('event_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('message_id', fields.CharField(unique=True, max_length=100)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'outgoing_mail', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'One e-mail, written in the transaction of the change it announces, sent after.'},
            bases=['Model'],
        ),
        # CreateModel records a one-to-one primary key by its field's name; the model's own
        # state names its column, as 0002 does for StaffDetails.
        ops.AlterModelOptions(
            name='MailPreferences',
            options={'table': 'mail_preferences', 'app': 'haven', 'pk_attr': 'user_id', 'table_description': 'The optional e-mails a person has turned off, all on while she has no row.'},
        ),
    ]
