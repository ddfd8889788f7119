from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0021_domain_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('integration', fields.OneToOneField('haven.Integration', source_field='integration_id', db_constraint=True, to_field='id', related_name='webhook', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=500)),
                ('secret', fields.TextField(unique=False)),
                ('delivered_position', fields.IntField(default=0)),
                ('failures', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhooks', 'app': 'haven', 'pk_attr': 'id', 'table_description': "Where an integration's events are posted, signed, and how far they have got."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('webhook', fields.ForeignKeyField('haven.Webhook', source_field='webhook_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('attempted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('error', fields.CharField(default='', max_length=200)),
                ('succeeded', fields.BooleanField()),
            ],
            options={'table': 'webhook_deliveries', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'One try at posting one event to a webhook, and what came of it.'},
            bases=['Model'],
        ),
    ]
