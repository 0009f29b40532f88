using System.Text.Json;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>How the process keeps its resident memory where it starts, as each way of running it states it.</summary>
public sealed partial class DeployManifestTests
{
    [Fact]
    public void The_host_runs_workstation_gc_and_every_deployment_two_malloc_arenas()
    {
        // The built host's own runtime settings (the web SDK would make it server GC).
        using var runtime = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ChatBot.Host.runtimeconfig.json")));
        var properties = runtime.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());

        var dockerfile = File.ReadAllLines(Path.Combine(Deploy, "Dockerfile"));
        var image = dockerfile.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet", StringComparison.Ordinal));
        Assert.Contains("ENV MALLOC_ARENA_MAX=2", image);
        Assert.Contains("Environment=MALLOC_ARENA_MAX=2", File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service")));
        Assert.Contains("export MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-2}\"", File.ReadAllLines(Path.Combine(RepoPaths.Root, "scripts", "run")));
    }
}
