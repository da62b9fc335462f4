"""Crowdfunding: campaigns for approved products, pledges, the all-or-nothing outcome,
orders and their fulfilment, customer-service tickets, and flash-sale pledging.

A package of its own rather than more modules in ``hearth.mall``: the mall owns partners,
stores and product review; funding builds on an approved product and on
``hearth.payments``, and is large enough (about ten modules) to read better apart.
"""
