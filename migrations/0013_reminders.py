from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0012_recovery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SentReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=30)),
                ('subject_id', fields.IntField()),
                ('recipient_id', fields.IntField()),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sent_reminders', 'app': 'haven', 'unique_together': (('kind', 'subject_id', 'recipient_id', 'due_at'),), 'pk_attr': 'id', 'table_description': 'One reminder given: of ``kind``, about the record ``subject_id``, to one person, for'},
            bases=['Model'],
        ),
    ]
