"""VM adapters: one package per VM, each behind the module interface of qorenode.interfaces."""
