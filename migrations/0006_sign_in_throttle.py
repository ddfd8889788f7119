from tortoise import migrations
from tortoise.migrations import operations as ops
from models.accounts import AttemptKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('haven', '0005_room_moderation_alerts_cases')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='SignInAttempt',
            options={'table': 'sign_in_attempts', 'app': 'haven', 'indexes': [Index(fields=['email', 'address'])], 'pk_attr': 'id', 'table_description': 'A failed sign-in or a registration, kept for a while so that guessing is slow.'},
        ),
        ops.AlterField(
            model_name='SignInAttempt',
            name='attempted_at',
            field=fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SignInAttempt',
            name='kind',
            field=fields.CharEnumField(default=AttemptKind.SIGN_IN, description='SIGN_IN: SIGN_IN\nREGISTRATION: REGISTRATION', enum_type=AttemptKind, max_length=16),
        ),
        ops.AddIndex(
            model_name='SignInAttempt',
            index=Index(fields=['email', 'address']),
        ),
    ]
