from tortoise import migrations
from tortoise.migrations import operations as ops
from models.accounts import AttemptKind, TokenPurpose
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0011_mail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('haven.User', source_field='user_id', db_constraint=True, to_field='id', related_name='account_tokens', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='RESET_PASSWORD: RESET_PASSWORD\nCHANGE_ADDRESS: CHANGE_ADDRESS', enum_type=TokenPurpose, max_length=20)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('new_email', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_tokens', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A single-use token sent by e-mail to prove the reader holds the address: to set a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('profile_name', fields.CharField(max_length=60)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'registrations', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A profile asked for through the API, waiting for its owner to follow the link sent'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='SignInAttempt',
            name='kind',
            field=fields.CharEnumField(default=AttemptKind.SIGN_IN, description='SIGN_IN: SIGN_IN\nREGISTRATION: REGISTRATION\nRECOVERY: RECOVERY', enum_type=AttemptKind, max_length=16),
        ),
    ]
