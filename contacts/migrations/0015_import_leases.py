"""An import job is held under a lease by the run importing it, and resumed after its last
chunk written once that run has disappeared (contacts.importing.lease)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0014_export_permissions'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='runner',
            field=models.CharField(blank=True, max_length=64, verbose_name='held by'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='lease_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='held until'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='chunks_done',
            field=models.PositiveIntegerField(default=0, verbose_name='chunks written'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='interruptions',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='interruptions'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='status',
            field=models.CharField(choices=[('draft', 'To confirm'), ('pending', 'Waiting'), ('running', 'Importing'), ('interrupted', 'Interrupted'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=20, verbose_name='status'),
        ),
    ]
