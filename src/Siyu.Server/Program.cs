using Siyu.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddSiyu();

var app = builder.Build();
app.UseSiyu();
await app.RunAsync();

/// <summary>Entry point type, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
