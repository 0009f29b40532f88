using System.Runtime.CompilerServices;

namespace ChatBot.IntegrationTests.Infrastructure;

internal static class NoConfigurationReload
{
    /// <summary>
    /// Each host's reloadable settings files watch its content root (this repository's src/ChatBot.Host) with an
    /// inotify instance that outlives the host; a hundred hosts in one process reach the kernel's per-user limit of
    /// 128. The tests edit no settings file, so no host in this process watches them.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
