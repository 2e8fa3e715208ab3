// Placeholder; filled by the task catalog work.
public enum TaskCatalog {}
