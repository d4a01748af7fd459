using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrocerySync.Hub.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LogEntriesFewerIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LogEntries_RetailerId_Level",
                table: "LogEntries");

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_Warnings",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Id" },
                filter: "\"Level\" >= 3");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LogEntries_Warnings",
                table: "LogEntries");

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_RetailerId_Level",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Level" });
        }
    }
}
