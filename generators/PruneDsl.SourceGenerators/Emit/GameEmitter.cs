using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the game's settings: the baked-in cost settings of every <c>[ParticipationGroup]</c> field that plays the game
    /// (the channel plan gates its space with them; see <see cref="PlanEmitter"/>).
    /// </summary>
    internal static class GameEmitter
    {
        /// <summary>The cost settings of every game layer.</summary>
        public static void EmitSettings(SourceWriter w, PruneModel model)
        {
            foreach (var group in model.Groups.Where(g => g.IsGame))
            {
                var c = group.Cost;
                w.Member();
                w.Line("/// <summary>");
                w.Line("/// Cost settings of <c>" + group.FieldName + "</c> (from " + group.CostSource + "): alpha " + Names.Prose(c.Alpha)
                    + ", beta " + Names.Prose(c.Beta) + ", gamma " + Names.Prose(c.Gamma) + ", eta " + Names.Prose(c.Eta) + ",");
                w.Line("/// lr_s " + Names.Prose(c.LearningRate) + ", pruned below " + Names.Prose(c.Epsilon) + ", benefit read as " + c.Benefit
                    + ". Each participation step evaluates");
                w.Line("/// <see cref=\"global::PruneDsl.Game.GameEquations.UtilityGradient\"/> (docs/equations.md, Eq. 13) with these values.");
                w.Line("/// </summary>");
                w.Line("public static readonly global::PruneDsl.Spec.CostSpec " + Names.Pascal(group.FieldName) + "Cost = new global::PruneDsl.Spec.CostSpec(");
                w.Line("    Alpha: " + Names.Literal(c.Alpha) + ",");
                w.Line("    Beta: " + Names.Literal(c.Beta) + ",");
                w.Line("    Gamma: " + Names.Literal(c.Gamma) + ",");
                w.Line("    Eta: " + Names.Literal(c.Eta) + ",");
                w.Line("    LearningRate: " + Names.Literal(c.LearningRate) + ",");
                w.Line("    Epsilon: " + Names.Literal(c.Epsilon) + ",");
                w.Line("    Benefit: " + Names.Enum(c.Benefit) + ");");
            }
            if (!model.HasBudget) return;
            if (model.Budget is { } budget) EmitBudget(w, "ModelBudget", "The class's [Budget] (every game layer without its own)", budget);
            foreach (var group in model.Groups.Where(g => g.IsGame && g.Budget is not null))
                EmitBudget(w, Names.Pascal(group.FieldName) + "Budget", "The [Budget] of <c>" + group.FieldName + "</c>", group.Budget!);
        }

        private static void EmitBudget(SourceWriter w, string name, string what, global::PruneDsl.Spec.BudgetSpec b)
        {
            const string Spec = "global::PruneDsl.Spec.BudgetSpec";
            w.Member();
            w.Line("/// <summary>");
            w.Line("/// " + what + ": " + b.Describe() + ". Its price replaces Gamma (the constraint's multiplier, found by dual ascent:");
            w.Line("/// <see cref=\"global::PruneDsl.Game.GameEquations.PriceStep\"/>, docs/equations.md, Eq. 19); GameTrainer's");
            w.Line("/// <see cref=\"global::PruneDsl.Game.BudgetController\"/> enforces it and ends the game once it is met.");
            w.Line("/// </summary>");
            w.Line("public static readonly " + Spec + " " + name + " = new " + Spec + "(");
            w.Line("    Keep: " + Names.Literal(b.Keep) + ",");
            w.Line("    KeepFraction: " + Names.Literal(b.KeepFraction) + ",");
            w.Line("    Unit: " + Names.Enum(b.Unit) + ",");
            w.Line("    PriceStep: " + Names.Literal(b.PriceStep) + ",");
            w.Line("    SettleEpochs: " + Names.Literal(b.SettleEpochs) + ",");
            w.Line("    FineTuneEpochs: " + b.FineTuneEpochs.ToString(System.Globalization.CultureInfo.InvariantCulture) + ");");
        }

        /// <summary>The IBudgetedModel members: the class's budget and each game layer's own (nothing without a budget).</summary>
        public static void EmitBudgetMembers(SourceWriter w, PruneModel model)
        {
            if (!model.HasBudget) return;
            const string Spec = "global::PruneDsl.Spec.BudgetSpec";
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line(Spec + "? global::PruneDsl.Game.IBudgetedModel.ModelBudget => " + (model.Budget is null ? "null" : "ModelBudget") + ";");
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line(Spec + "? global::PruneDsl.Game.IBudgetedModel.LayerBudget(string layer) => layer switch");
            w.Line("{");
            foreach (var group in model.Groups.Where(g => g.IsGame && g.Budget is not null))
                w.Line("    \"" + group.FieldName + "\" => " + Names.Pascal(group.FieldName) + "Budget,");
            w.Line("    _ => null,");
            w.Line("};");
        }
    }
}
