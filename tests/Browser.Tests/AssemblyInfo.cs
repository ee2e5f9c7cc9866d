// One Chromium and one platform at a time: the machines that run these are small and shared.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
