import BulkheadPolicy
print(ShippedPolicies.text(named: "default") ?? "")
