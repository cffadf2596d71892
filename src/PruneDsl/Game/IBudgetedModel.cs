namespace PruneDsl.Game
{
    /// <summary>
    /// Implemented by the source generator for a model whose class or game layers declare <c>[Budget]</c>: the budgets
    /// the trainer's price controller enforces (<see cref="BudgetController"/>).
    /// </summary>
    public interface IBudgetedModel : IParticipationModel
    {
        /// <summary>The class-level budget (every game layer without its own), or null.</summary>
        Spec.BudgetSpec? ModelBudget { get; }

        /// <summary>The field-level budget of the game layer <paramref name="layer"/>, or null.</summary>
        /// <param name="layer">The layer's field name.</param>
        Spec.BudgetSpec? LayerBudget(string layer);
    }
}
