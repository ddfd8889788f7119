from tortoise import migrations
from tortoise.migrations import operations as ops
from models.accounts import Role
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Need',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('description', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'needs', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'What a group is for: living with cancer, caring for someone, bereavement, …'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignInAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('address', fields.CharField(db_index=True, max_length=64)),
                ('attempted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sign_in_attempts', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A failed sign-in, kept briefly so that guessing passwords is slow for everyone.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('profile_name', fields.CharField(unique=True, max_length=60)),
                ('role', fields.CharEnumField(default=Role.MEMBER, description='MEMBER: MEMBER\nFACILITATOR: FACILITATOR\nONLINE_MANAGER: ONLINE_MANAGER\nSPECIALIST: SPECIALIST', enum_type=Role, max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_signed_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A profile on the site. ``profile_name`` is what other people see, never the e-mail.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Group',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('need', fields.ForeignKeyField('haven.Need', source_field='need_id', db_constraint=True, to_field='id', related_name='groups', on_delete=OnDelete.RESTRICT)),
                ('description', fields.TextField(default='', unique=False)),
                ('facilitator', fields.ForeignKeyField('haven.User', source_field='facilitator_id', db_constraint=True, to_field='id', related_name='facilitated_groups', on_delete=OnDelete.RESTRICT)),
                ('weekday', fields.SmallIntField()),
                ('start_minute', fields.SmallIntField()),
                ('duration_minutes', fields.SmallIntField(default=60)),
                ('capacity', fields.SmallIntField(default=8)),
                ('open_for_applications', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'groups', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A closed group of at most eight members meeting weekly with one facilitator.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('haven.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('extended', fields.BooleanField(default=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'memberships', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A member's place in a group, from ``starts_at`` until ``ends_at`` or an earlier end."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('haven.User', source_field='user_id', db_constraint=True, to_field='id', related_name='refresh_tokens', on_delete=OnDelete.CASCADE)),
                ('family', fields.UUIDField(db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_tokens', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'One link in a chain of refresh tokens, of which only the SHA-256 is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffDetails',
            fields=[
                ('user', fields.OneToOneField('haven.User', source_field='user_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='staff_details', on_delete=OnDelete.CASCADE)),
                ('bps_registration_number', fields.CharField(null=True, unique=True, max_length=32)),
            ],
            options={'table': 'staff_details', 'app': 'haven', 'pk_attr': 'user_id', 'table_description': "What the service must keep about a member of staff: a facilitator's BPS registration."},
            bases=['Model'],
        ),
    ]
