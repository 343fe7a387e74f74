import { useState, type SubmitEvent } from "react";
import { useMutation } from "@apollo/client/react";
import { SignUpDocument } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formText } from "../forms.js";
import { Link, PageTitle, navigate, useLocation } from "../router.js";
import { useSession } from "../session.js";
import { nextPath } from "./SignInPage.js";

export function SignUpPage() {
  const session = useSession();
  const { search } = useLocation();
  const [signUp, { loading }] = useMutation(SignUpDocument);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      const { data } = await signUp({
        variables: {
          input: {
            loginId: formText(form, "loginId"),
            password: formText(form, "password"),
            nickname: formText(form, "nickname"),
          },
        },
      });
      const next = nextPath(search);
      await session.signIn(data.signUp.token);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <>
      <PageTitle>Create an account</PageTitle>
      <form onSubmit={(event) => void submit(event)} className="panel">
        <div className="field">
          <label htmlFor="loginId">Login ID</label>
          <input
            id="loginId"
            name="loginId"
            autoComplete="username"
            required
            minLength={4}
            maxLength={50}
            pattern="[A-Za-z0-9._\-]+"
            aria-describedby="loginId-hint"
          />
          <p id="loginId-hint" className="hint">
            4 to 50 letters, digits, dots, dashes or underscores.
          </p>
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={128}
            aria-describedby="password-hint"
          />
          <p id="password-hint" className="hint">
            At least 8 characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="nickname">Nickname</label>
          <input id="nickname" name="nickname" autoComplete="nickname" required maxLength={50} />
        </div>
        {error !== null && <ErrorNote>{errorMessage(error)}</ErrorNote>}
        <button type="submit" disabled={loading}>
          {loading ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p>
        Have an account already? <Link to="/signin">Sign in</Link>
      </p>
    </>
  );
}
