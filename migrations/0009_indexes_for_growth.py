from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('haven', '0008_data_version')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['group_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['applicant_id']),
        ),
        ops.AddIndex(
            model_name='Group',
            index=Index(fields=['facilitator_id']),
        ),
        ops.AddIndex(
            model_name='Membership',
            index=Index(fields=['group_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='Membership',
            index=Index(fields=['user_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='PersonalMessage',
            index=Index(fields=['recipient_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['conversation_id', 'id']),
        ),
    ]
