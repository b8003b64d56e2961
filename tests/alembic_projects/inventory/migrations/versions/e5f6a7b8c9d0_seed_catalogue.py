"""seed the catalogue

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2022-01-10 08:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'

from alembic import op
import sqlalchemy as sa
from sqlalchemy.sql import column, table

warehouses = table(
    'warehouses',
    column('id', sa.Integer),
    column('code', sa.String),
    column('address', sa.String),
)
products = table(
    'products',
    column('id', sa.Integer),
    column('sku', sa.String),
    column('name', sa.String),
    column('price', sa.Numeric),
    column('weight', sa.Numeric),
)


def upgrade():
    op.bulk_insert(warehouses, [
        {'id': 1, 'code': 'AMS-1', 'address': 'Keizersgracht 1, Amsterdam'},
        {'id': 2, 'code': 'RTM-2', 'address': None},
    ], multiinsert=False)
    op.bulk_insert(products, [
        {'id': 1, 'sku': 'BOLT-M6', 'name': 'Bolt M6', 'price': 0.10, 'weight': 0.004},
        {'id': 2, 'sku': 'NUT-M6', 'name': 'Nut M6', 'price': 0.05, 'weight': 0.002},
        {'id': 3, 'sku': 'SALE-DRILL', 'name': 'Drill', 'price': 49.99, 'weight': 1.750},
    ])
    op.execute("INSERT INTO stock_levels (product_id, warehouse_id, quantity) VALUES (1, 1, 500), (2, 1, 800), (3, 2, 4)")
    op.execute("UPDATE products SET description = 'Up to 50% off' WHERE sku LIKE 'SALE-%'")


def downgrade():
    op.execute("DELETE FROM stock_levels")
    op.execute(products.delete())
    op.execute(warehouses.delete())
