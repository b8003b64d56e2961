# Copyright 2021 The Inventory Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License.

"""initial schema

Revision ID: a1b2c3d4e5f6
Revises: None
Create Date: 2021-06-01 12:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = 'a1b2c3d4e5f6'
down_revision = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table(
        'warehouses',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('location', sa.String(length=200), nullable=True),
        sa.UniqueConstraint('code', name='uq_warehouses_code'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('sku', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.UniqueConstraint('sku', name='uq_products_sku'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_table(
        'stock_levels',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('warehouse_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name='fk_stock_levels_product_id'),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name='fk_stock_levels_warehouse_id'),
        sa.UniqueConstraint('product_id', 'warehouse_id', name='uq_stock_levels_product_warehouse'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
